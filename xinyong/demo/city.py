"""The synthetic city, as data: agencies, subjects, and the files each agency would send.

Pure and deterministic: the same (subjects, seed, today) gives the same city, byte for byte.
Decision dates are laid out backwards from `today` (about six years), so that whatever day
the demo runs, some penalties are still within their publicity period and some are past it.
Nothing here touches the database; ``load.py`` sends the files through ingestion."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from faker import Faker

from xinyong.demo.records import FileBuilder, penalty_for
from xinyong.demo.sectors import (
    AGENCIES,
    BRAND_CHARS,
    ENTERPRISE_LICENCES,
    ENTERPRISE_SECTORS,
    EXTRA_LICENCES,
    LICENCES,
    LOCAL_TRADES,
    OFFENCES,
    PERSON_LICENCES,
    PERSON_OFFENCES,
    PERSON_ROLES,
    SECTOR_AGENCY,
    SHOP_BRANDS,
    SHOP_LICENCES,
    SHOP_SECTORS,
    AgencySpec,
    LicenceSpec,
    Offence,
)
from xinyong.synthetic import (
    DIVISION_NAMES,
    LONG_TERM,
    QUANZHOU_DIVISIONS,
    make_resident_id,
    make_uscc,
    subject_columns,
)

SPAN_DAYS = 2150                  # about 5.9 years back from today: 2021 to now
SHOP_SHARE, PERSON_SHARE = 0.15, 0.10
COUNTY_LEVEL = {"350521", "350524", "350525", "350526", "350581", "350582", "350583"}
# the first penalties of the city are pinned so that even a tiny city has every severity and
# both sides of the publicity window: (pattern, days before today)
PINNED = (("warning", 40), ("large_fine", 200), ("fine", 1500), ("suspend", 700), ("warning", 1000))


@dataclass
class DemoAgency:
    spec: AgencySpec
    uscc: str


@dataclass
class DemoSubject:
    kind: str                      # legal_person | individual_business | natural_person
    name: str
    sector: str
    division: str
    uscc: str = ""
    legal_rep: str = ""
    legal_rep_id: str = ""
    person_id: str = ""
    address: str = ""
    role: str = ""                 # natural persons: what they do (sectors.PERSON_ROLES)
    licences: list[tuple[str, str]] = field(default_factory=list)  # (certificate, number) held

    def columns(self) -> dict[str, str]:
        return subject_columns(name=self.name, kind=self.kind, uscc_code=self.uscc, legal_rep=self.legal_rep,
                               legal_rep_id=self.legal_rep_id, person_id=self.person_id)

    @property
    def remarks(self) -> str:
        return f"住所：{self.address}" if self.address else ""


@dataclass
class DemoFile:
    agency: DemoAgency
    item_code: str                 # catalogue item: penalty | licence
    filename: str
    data: bytes
    rows: int
    invalid_rows: int


@dataclass
class City:
    today: dt.date
    agencies: list[DemoAgency]
    subjects: list[DemoSubject]
    files: list[DemoFile]

    @property
    def resident_ids(self) -> list[str]:
        """Every resident ID the feeds carry (subjects' and legal representatives')."""
        return [i for s in self.subjects for i in (s.person_id, s.legal_rep_id) if i]


def build_city(subjects: int = 400, seed: int = 2026, today: dt.date | None = None) -> City:
    """`subjects` enterprises, plus about 15% as many individual businesses and 10% natural persons."""
    if subjects < 1:
        raise ValueError("subjects must be at least 1")
    today = today or dt.date.today()
    agencies = [DemoAgency(spec, uscc) for spec, uscc in zip(AGENCIES, _agency_codes(seed), strict=False)]
    people = _People(seed)
    city_subjects = ([people.enterprise() for _ in range(subjects)]
                     + [people.shop() for _ in range(max(2, round(subjects * SHOP_SHARE)))]
                     + [people.person() for _ in range(max(2, round(subjects * PERSON_SHARE)))])
    builder = FileBuilder(agencies, today, random.Random(f"xinyong-demo:{seed}:records"))
    _Plan(builder, random.Random(f"xinyong-demo:{seed}:plan"), today).run(city_subjects)
    return City(today, agencies, city_subjects, builder.files())


def _agency_codes(seed: int) -> list[str]:
    rng = random.Random(f"xinyong-demo:{seed}:agencies")
    codes: list[str] = []
    while len(codes) < len(AGENCIES):
        code = make_uscc(rng, kind="11", division="350500")
        if code not in codes:
            codes.append(code)
    return codes


class _People:
    """Names, codes and addresses: Faker zh_CN for names and streets, stdnum-valid identifiers."""

    def __init__(self, seed: int):
        self.rng = random.Random(f"xinyong-demo:{seed}:subjects")
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.names: set[str] = set()
        self.codes: set[str] = set()
        self.ids: set[str] = set()

    def enterprise(self) -> DemoSubject:
        sector = self._weighted(ENTERPRISE_SECTORS)
        division = self.rng.choice(QUANZHOU_DIVISIONS)
        trades = dict((s, t) for s, _, t in ENTERPRISE_SECTORS)[sector]
        if sector in ("environment", "work_safety") and division in LOCAL_TRADES:
            trades = LOCAL_TRADES[division]
        place = DIVISION_NAMES[division] if division in COUNTY_LEVEL else self.rng.choice(("泉州", "泉州市"))
        name = self._unique(lambda: f"{place}{self._brand()}{self.rng.choice(trades)}有限公司")
        return DemoSubject("legal_person", name, sector, division, uscc=self._uscc("91", division),
                           legal_rep=self.fake.name(), legal_rep_id=self._resident_id(1958, 1995),
                           address=self._address(division))

    def shop(self) -> DemoSubject:
        sector = self._weighted(SHOP_SECTORS)
        division = self.rng.choice(QUANZHOU_DIVISIONS)
        words = dict((s, t) for s, _, t in SHOP_SECTORS)[sector]
        place = DIVISION_NAMES[division] if division in COUNTY_LEVEL else "泉州市" + DIVISION_NAMES[division]
        owner = self.fake.name()
        name = self._unique(lambda: place + self.rng.choice(
            (f"{owner[0]}记", f"阿{owner[-1]}", self.rng.choice(SHOP_BRANDS), self._brand())) + self.rng.choice(words))
        return DemoSubject("individual_business", name, sector, division, uscc=self._uscc("92", division),
                           legal_rep=owner, legal_rep_id=self._resident_id(1960, 2000), address=self._address(division))

    def person(self) -> DemoSubject:
        role = self._weighted([(r, w, None) for r, w in PERSON_ROLES])
        sector = PERSON_OFFENCES[role][0] if role in PERSON_OFFENCES else LICENCES[PERSON_LICENCES[role]].sector
        return DemoSubject("natural_person", self.fake.name(), sector, self.rng.choice(QUANZHOU_DIVISIONS),
                           person_id=self._resident_id(1960, 2003), role=role)

    def _weighted(self, table) -> str:
        return self.rng.choices([row[0] for row in table], weights=[row[1] for row in table])[0]

    def _brand(self) -> str:
        """A trade name: the core of a Faker company prefix, or two auspicious characters."""
        if self.rng.random() < 0.5:
            core = self.fake.company_prefix()
            for tail in ("国际公司", "公司", "计算机", "软件", "电子", "信息", "科技", "数字"):
                core = core.removesuffix(tail)
            if 2 <= len(core) <= 4 and not core.isascii():
                return core
        return "".join(self.rng.sample(BRAND_CHARS, 2))

    def _unique(self, make) -> str:
        for _ in range(50):
            name = make()
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError("could not draw a unique subject name")

    def _uscc(self, kind: str, division: str) -> str:
        while (code := make_uscc(self.rng, kind=kind, division=division)) in self.codes:
            pass
        self.codes.add(code)
        return code

    def _resident_id(self, born_from: int, born_to: int) -> str:
        while (number := make_resident_id(self.rng, born_from, born_to)) in self.ids:
            pass
        self.ids.add(number)
        return number

    def _address(self, division: str) -> str:
        return (f"福建省泉州市{DIVISION_NAMES[division]}{self.fake.street_name()}"
                f"{self.rng.randint(1, 999)}号")


class _Plan:
    """Which licences and penalties each subject has, and from which agency."""

    def __init__(self, builder: FileBuilder, rng: random.Random, today: dt.date):
        self.files, self.rng, self.today = builder, rng, today
        self.pinned = list(PINNED)

    def run(self, subjects: list[DemoSubject]) -> None:
        for s in subjects:
            if s.kind == "legal_person":
                self._enterprise(s)
            elif s.kind == "individual_business":
                self._shop(s)
            else:
                self._person(s)

    def _enterprise(self, s: DemoSubject) -> None:
        self._licence(s, self.rng.choice(ENTERPRISE_LICENCES[s.sector]))
        if self.rng.random() < 0.3:
            extra = self.rng.choice(EXTRA_LICENCES)
            if LICENCES[extra].sector != s.sector:
                self._licence(s, extra)
        if self.rng.random() < 0.55 or self.pinned:
            for _ in range(self.rng.choices((1, 2, 3), weights=(6, 3, 1))[0]):
                self._enterprise_penalty(s)

    def _enterprise_penalty(self, s: DemoSubject) -> None:
        if self.pinned:
            pattern, days = self.pinned.pop(0)
            offence = self.rng.choice([o for o in OFFENCES if o.who != "person"
                                       and any(p == pattern for p, _ in o.patterns)])
            self._penalty(s, offence, pattern, self.today - dt.timedelta(days=days))
            return
        sector = self.rng.choices((s.sector, "tax", "fire_safety"), weights=(70, 18, 12))[0]
        sectors = {sector, "market"} if SECTOR_AGENCY[sector] == "scjg" else {sector}
        offence = self.rng.choice([o for o in OFFENCES if o.sector in sectors and o.who != "person"])
        self._penalty(s, offence, self._pattern(offence), self._penalty_day())

    def _shop(self, s: DemoSubject) -> None:
        if s.sector in SHOP_LICENCES:
            self._licence(s, SHOP_LICENCES[s.sector])
        if s.sector not in SHOP_LICENCES or self.rng.random() < 0.4:
            sector = self.rng.choices((s.sector, "tax", "fire_safety"), weights=(70, 18, 12))[0]
            offences = [o for o in OFFENCES if o.sector == sector and o.who != "person"]
            offence = self.rng.choice(offences)
            small = tuple((p, w) for p, w in offence.patterns if p not in ("large_fine", "close")) or (("fine", 1),)
            self._penalty(s, offence, self._pattern(offence, small), self._penalty_day())

    def _person(self, s: DemoSubject) -> None:
        if s.role in PERSON_LICENCES:
            self._licence(s, PERSON_LICENCES[s.role])
        if s.role in PERSON_OFFENCES and (s.role != "driver" or self.rng.random() < 0.5):
            sector, offence_type = PERSON_OFFENCES[s.role]
            offence = next(o for o in OFFENCES if o.sector == sector and o.offence_type == offence_type)
            self._penalty(s, offence, self._pattern(offence), self._penalty_day())

    def _pattern(self, offence: Offence, patterns=None) -> str:
        patterns = patterns or offence.patterns
        return self.rng.choices([p for p, _ in patterns], weights=[w for _, w in patterns])[0]

    def _penalty_day(self) -> dt.date:
        r = self.rng.random()
        days = (self.rng.randint(1, 240) if r < 0.25 else self.rng.randint(241, 1100) if r < 0.6
                else self.rng.randint(1101, SPAN_DAYS))
        return self.today - dt.timedelta(days=days)

    def _penalty(self, s: DemoSubject, offence: Offence, pattern: str, decided: dt.date) -> None:
        agency = SECTOR_AGENCY[offence.sector]
        held = next((lic for lic in s.licences if lic[0] == offence.licence), None)
        row = penalty_for(self.rng, self.files.agency(agency), s, offence, pattern, decided,
                          self.files.decision_no(agency, "penalty", decided.year), held)
        self.files.add(agency, "penalty", row)

    def _licence(self, s: DemoSubject, key: str) -> None:
        spec: LicenceSpec = LICENCES[key]
        agency = SECTOR_AGENCY[spec.sector]
        decided = self.today - dt.timedelta(days=self.rng.randint(1, SPAN_DAYS))
        valid_to = LONG_TERM if spec.years is None else (
            decided.replace(year=decided.year + spec.years, day=min(decided.day, 28)) - dt.timedelta(days=1))
        number = self.files.licence_number(spec, s, decided)
        if spec.certificate:
            s.licences.append((spec.certificate, number))
        row = self.files.licence_row(agency, s, spec, decided, valid_to, number)
        self.files.add(agency, "licence", row)
