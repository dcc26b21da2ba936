"""Generate an N-row 双公示 administrative penalty CSV (national column layout,
xinyong.synthetic.PENALTY_HEADERS) for the ingest benchmark.

All values valid by default: ~N*0.3 distinct enterprises (5% of them 个体工商户) with valid
USCCs (python-stdnum check characters), ~10% of rows concerning natural persons with valid
resident IDs (GB 11643, region valid in the birth year), penalty kinds across the three
severities, decision dates from 2022-01-01 to today, unique decision numbers, one source
agency (bench.common.SOURCE_AGENCY_*). Rows per subject are skewed (a few subjects have
hundreds of penalties, most have one to three). `--bad-rate` spoils that fraction of rows
with one defect each (bad USCC check character, impossible date, empty name, bad resident
ID, negative fine, unknown penalty kind, future date, duplicate decision number).

Vectorised with polars: per-row choices come from a seeded hash of the row number; only the
distinct subjects' identifiers are made one by one (python-stdnum). Deterministic per seed.

    .venv/bin/python bench/gen_penalties.py --rows 1000000 [--bad-rate 0.02] [--out PATH]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

import polars as pl
from stdnum.cn import ric, uscc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DATA_DIR, SOURCE_AGENCY_NAME, SOURCE_AGENCY_USCC  # noqa: E402
from xinyong.synthetic import PENALTY_HEADERS, QUANZHOU_DIVISIONS  # noqa: E402

U64 = 2.0 ** 64
FIRST_DAY = dt.date(2022, 1, 1)

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅春燕鹏辉婷晓东海波宁斌文琳鑫宇浩然子涵欣怡")
WORD_A = ["鸿", "泰", "丰", "盛", "华", "鑫", "源", "达", "祥", "瑞", "恒", "隆", "兴", "昌", "顺", "安", "宏", "晋",
          "海", "联", "建", "成", "嘉", "富", "利", "通", "新", "永", "金", "德", "锦", "佳", "汇", "天", "益", "鼎",
          "信", "远", "闽", "创"]
WORD_B = ["发", "盛", "达", "昌", "源", "泰", "兴", "茂", "洋", "峰", "辉", "翔", "航", "宇", "晟", "益", "胜", "诚",
          "润", "禾", "邦", "川", "和", "康", "弘", "晖", "腾", "业", "坤", "凯", "銮", "景", "骏", "展", "博", "全",
          "越", "正", "晶", "鹏"]
DISTRICT = ["鲤城区", "丰泽区", "洛江区", "泉港区", "惠安县", "安溪县", "永春县", "德化县", "石狮市", "晋江市", "南安市"]
INDUSTRY = ["食品", "贸易", "建材", "鞋业", "服装", "纺织", "陶瓷", "石材", "茶业", "机械", "电子", "物流", "餐饮",
            "建筑工程", "药业", "化工", "汽车销售", "五金", "包装", "印刷", "家具", "塑胶", "水产", "农业开发", "装饰工程",
            "网络科技", "医疗器械", "环保科技", "房地产开发", "酒店管理"]
ORG_FORM = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "实业有限公司"]

# (违法行为类型, 违法事实, 处罚依据, decision-number abbreviation, 处罚机关)
OFFENCES = [
    ("违反食品安全管理规定", "经营超过保质期的食品，货值金额较小", "《中华人民共和国食品安全法》第一百二十四条第一款", "市监",
     "泉州市市场监督管理局"),
    ("违反广告管理规定", "发布含有虚假内容的广告，欺骗、误导消费者", "《中华人民共和国广告法》第五十五条第一款", "市监",
     "泉州市市场监督管理局"),
    ("违反价格管理规定", "不按规定明码标价，在标价之外加价出售商品", "《中华人民共和国价格法》第四十二条", "市监",
     "泉州市市场监督管理局"),
    ("违反产品质量管理规定", "生产销售不符合保障人体健康和人身、财产安全的国家标准的产品",
     "《中华人民共和国产品质量法》第四十九条", "市监", "泉州市市场监督管理局"),
    ("违反环境保护管理规定", "超过大气污染物排放标准排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条第二项",
     "环", "泉州市生态环境局"),
    ("违反安全生产管理规定", "未按照规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条第三项",
     "应急", "泉州市应急管理局"),
    ("违反消防安全管理规定", "占用、堵塞、封闭疏散通道、安全出口", "《中华人民共和国消防法》第六十条第一款第三项", "消",
     "泉州市消防救援支队"),
    ("违反税收管理规定", "未按照规定期限办理纳税申报和报送纳税资料", "《中华人民共和国税收征收管理法》第六十二条", "税",
     "国家税务总局泉州市税务局"),
    ("违反城市管理规定", "未经批准擅自占用城市道路堆放物料", "《城市道路管理条例》第四十二条", "城管",
     "泉州市城市管理局"),
    ("违反药品管理规定", "从无药品经营许可证的企业购进药品", "《中华人民共和国药品管理法》第一百二十九条", "药",
     "泉州市市场监督管理局"),
]
DECIDING_USCC = {name: None for *_, name in OFFENCES}

# (处罚类别, fine band: None | "minor" | "general" | "serious", weight %). Severity follows
# the national mapping (warnings minor, 罚款 general unless the fine says otherwise, 吊销 ...
# serious) and the fine thresholds (<1 万 minor, >=100 万 serious).
KINDS = [
    ("警告", None, 18),
    ("通报批评", None, 4),
    ("罚款", "minor", 24),
    ("罚款", "general", 22),
    ("警告;罚款", "minor", 6),
    ("没收违法所得;罚款", "general", 10),
    ("暂扣许可证件", None, 4),
    ("罚款", "serious", 3),
    ("吊销许可证件", None, 3),
    ("责令停产停业;罚款", "general", 4),
    ("限制从业", None, 2),
]


def _h(seed: int) -> pl.Expr:
    """A uniform u64 per row, from the row number and a seed."""
    return pl.col("i").hash(seed)


def _u(seed: int) -> pl.Expr:
    """Uniform float in [0, 1) per row."""
    return _h(seed).cast(pl.Float64) / U64


def _pick(values: list[str], seed: int) -> pl.Expr:
    idx = (_h(seed) % len(values)).cast(pl.Int64)
    return idx.replace_strict(dict(enumerate(values)), return_dtype=pl.String)


def _weighted(weights: list[int], seed: int) -> pl.Expr:
    """Index into `weights` with those relative weights."""
    total = sum(weights)
    r = (_h(seed) % total).cast(pl.Int64)
    expr, acc = None, 0
    for k, w in enumerate(weights):
        acc += w
        expr = pl.when(r < acc).then(pl.lit(k)) if expr is None else expr.when(r < acc).then(pl.lit(k))
    return expr.otherwise(pl.lit(len(weights) - 1)).cast(pl.Int64)


# ------------------------------------------------------------------------- distinct subjects
def enterprises(n: int, seed: int) -> pl.DataFrame:
    rng = random.Random(seed)
    codes, names, reps, kinds = [], [], [], []
    for k in range(n):
        individual = k % 20 == 19  # 5% 个体工商户 (registration type 92)
        body = ("92" if individual else "91") + rng.choice(QUANZHOU_DIVISIONS) + f"{k:08d}" + rng.choice("0123456789")
        codes.append(body + uscc.calc_check_digit(body))
        word = rng.choice(WORD_A) + rng.choice(WORD_B)
        if individual:
            names.append(f"{rng.choice(DISTRICT)}{word}{rng.choice(INDUSTRY)}{rng.choice(['店', '商行', '经营部'])}")
        else:
            names.append(f"泉州{rng.choice(DISTRICT)[:2]}{word}{rng.choice(INDUSTRY)}{rng.choice(ORG_FORM)}")
        reps.append(rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))))
        kinds.append("个体工商户" if individual else "法人及非法人组织")
    return pl.DataFrame({"e_uscc": codes, "e_name": names, "e_rep": reps, "e_kind": kinds})


def _valid_birth_years() -> dict[str, list[int]]:
    """Per Quanzhou division, the birth years stdnum accepts (divisions changed over time)."""
    out = {}
    for div in QUANZHOU_DIVISIONS:
        years = []
        for year in range(1955, 2005):
            body = f"{div}{year}0101001"
            if ric.is_valid(body + ric.calc_check_digit(body + "X")):
                years.append(year)
        if years:
            out[div] = years
    return out


def persons(n: int, seed: int) -> pl.DataFrame:
    rng = random.Random(seed + 1)
    years = _valid_birth_years()
    divisions = sorted(years)
    seen: set[str] = set()
    ids, names = [], []
    while len(ids) < n:
        div = rng.choice(divisions)
        birth = dt.date(rng.choice(years[div]), rng.randint(1, 12), rng.randint(1, 28))
        body = div + birth.strftime("%Y%m%d") + f"{rng.randint(0, 999):03d}"
        if body in seen:
            continue
        seen.add(body)
        ids.append(body + ric.calc_check_digit(body + "X"))
        names.append(rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))))
    return pl.DataFrame({"p_id": ids, "p_name": names})


def deciding_agencies() -> dict[str, str]:
    out, k = {}, 1
    for name in DECIDING_USCC:
        if name == SOURCE_AGENCY_NAME:
            out[name] = SOURCE_AGENCY_USCC
            continue
        body = "11350500" + f"MB01{k:04d}0"
        out[name] = body + uscc.calc_check_digit(body)
        k += 1
    return out


# ------------------------------------------------------------------------- rows
def generate(rows: int, seed: int = 20261123, bad_rate: float = 0.0, today: dt.date | None = None,
             person_rate: float = 0.10, first_day: dt.date = FIRST_DAY) -> tuple[pl.DataFrame, dict]:
    """`rows` penalty rows decided between `first_day` and today (a historical load: since 2022;
    a daily batch: the last days, see bench/ingest_daily_bench.py)."""
    today = today or dt.date.today()
    last_day = min(today, dt.date(2026, 12, 31))
    days = (last_day - first_day).days + 1
    n_person_rows_est = int(rows * person_rate)
    n_ent = max(1, round(rows * 0.3))
    n_per = max(1, round(n_person_rows_est * 0.8))
    ents, pers = enterprises(n_ent, seed), persons(n_per, seed)

    base = pl.DataFrame({"i": pl.int_range(0, rows, eager=True, dtype=pl.UInt64)})
    frame = base.with_columns(is_person=_u(seed + 11) < person_rate)
    # every enterprise / person once (so the distinct counts are exact), the rest skewed (u^2)
    frame = frame.with_columns(
        rank=pl.int_range(0, pl.len()).over("is_person"),
        skew=_u(seed + 12) ** 2,
    ).with_columns(
        e_idx=pl.when(pl.col("rank") < n_ent).then(pl.col("rank"))
        .otherwise((pl.col("skew") * n_ent).cast(pl.Int64)).clip(0, n_ent - 1),
        p_idx=pl.when(pl.col("rank") < n_per).then(pl.col("rank"))
        .otherwise((pl.col("skew") * n_per).cast(pl.Int64)).clip(0, n_per - 1),
    )
    # shuffle so that file order does not follow subjects, then number the decisions
    frame = frame.sample(fraction=1.0, shuffle=True, seed=seed).with_columns(
        pl.int_range(0, pl.len(), dtype=pl.UInt64).alias("i"))
    frame = (frame.join(ents.with_row_index("e_idx").with_columns(pl.col("e_idx").cast(pl.Int64)),
                        on="e_idx", how="left", maintain_order="left")
             .join(pers.with_row_index("p_idx").with_columns(pl.col("p_idx").cast(pl.Int64)),
                   on="p_idx", how="left", maintain_order="left"))

    offence = _weighted([14, 8, 8, 10, 12, 12, 10, 12, 8, 6], seed + 21)
    kind = _weighted([w for *_, w in KINDS], seed + 22)
    decided = pl.lit(first_day) + pl.duration(days=(_h(seed + 23) % days).cast(pl.Int64))
    agencies = deciding_agencies()
    off_df = pl.DataFrame({
        "off": list(range(len(OFFENCES))), "违法行为类型": [o[0] for o in OFFENCES],
        "违法事实": [o[1] for o in OFFENCES], "处罚依据": [o[2] for o in OFFENCES],
        "abbr": [o[3] for o in OFFENCES], "处罚机关": [o[4] for o in OFFENCES],
        "处罚机关统一社会信用代码": [agencies[o[4]] for o in OFFENCES]}).with_columns(pl.col("off").cast(pl.Int64))
    kind_df = pl.DataFrame({"kind": list(range(len(KINDS))), "处罚类别": [k[0] for k in KINDS],
                            "band": [k[1] for k in KINDS]}).with_columns(pl.col("kind").cast(pl.Int64))
    frame = (frame.with_columns(off=offence, kind=kind, decided=decided)
             .join(off_df, on="off", how="left", maintain_order="left")
             .join(kind_df, on="kind", how="left", maintain_order="left"))

    u_fine = _u(seed + 24)
    fine = (pl.when(pl.col("band") == "minor").then(0.05 + u_fine * 0.94)
            .when(pl.col("band") == "general").then(1 + u_fine * 98)
            .when(pl.col("band") == "serious").then(100 + u_fine * 400))
    fine_txt = fine.round(2).cast(pl.String)
    confiscated = pl.when(pl.col("处罚类别").str.contains("没收")).then(
        (0.1 + _u(seed + 25) * 20).round(2).cast(pl.String))
    licence = pl.when(pl.col("处罚类别").str.contains("许可证件")).then(
        pl.format("食品经营许可证 JY1350{}", (_h(seed + 26) % 100_000_000).cast(pl.String).str.zfill(8)))
    content = (pl.when(pl.col("band").is_not_null())
               .then(pl.format("{}，罚款人民币{}万元", pl.col("处罚类别").str.replace_all(";", "、"), fine_txt))
               .otherwise(pl.col("处罚类别").str.replace_all(";", "、")))
    date_style = _h(seed + 27) % 10
    date_txt = (pl.when(date_style < 7).then(pl.col("decided").dt.strftime("%Y/%m/%d"))
                .when(date_style < 9).then(pl.col("decided").dt.strftime("%Y-%m-%d"))
                .otherwise(pl.col("decided").dt.strftime("%Y%m%d")))
    valid_to = (pl.when(_h(seed + 28) % 10 < 6).then(pl.lit("2099/12/31"))
                .otherwise(pl.col("decided").dt.offset_by(pl.format("{}mo", 6 + _h(seed + 29) % 31))
                           .dt.strftime("%Y/%m/%d")))
    person = pl.col("is_person")
    decision_no = pl.format("泉{}罚〔{}〕{}号", pl.col("abbr"), pl.col("decided").dt.year(),
                            (pl.col("i") + 1).cast(pl.String).str.zfill(7))
    empty = pl.lit(None, pl.String)
    out = frame.select(
        pl.when(person).then(pl.col("p_name")).otherwise(pl.col("e_name")).alias("行政相对人名称"),
        pl.when(person).then(pl.lit("自然人")).otherwise(pl.col("e_kind")).alias("行政相对人类别"),
        pl.when(person).then(empty).otherwise(pl.col("e_uscc")).alias("行政相对人代码_1(统一社会信用代码)"),
        pl.when(person).then(empty).otherwise(pl.col("e_rep")).alias("法定代表人"),
        empty.alias("法定代表人证件类型"), empty.alias("法定代表人证件号码"),
        pl.when(person).then(pl.lit("身份证")).otherwise(empty).alias("证件类型"),
        pl.when(person).then(pl.col("p_id")).otherwise(empty).alias("证件号码"),
        decision_no.alias("行政处罚决定书文号"),
        pl.col("违法行为类型"), pl.col("违法事实"), pl.col("处罚依据"), pl.col("处罚类别"),
        content.alias("处罚内容"), fine_txt.alias("罚款金额(万元)"),
        confiscated.alias("没收违法所得、没收非法财物的金额(万元)"), licence.alias("暂扣或吊销证照名称及编号"),
        date_txt.alias("处罚决定日期"), valid_to.alias("处罚有效期"), empty.alias("公示截止期"),
        pl.col("处罚机关"), pl.col("处罚机关统一社会信用代码"),
        pl.lit(SOURCE_AGENCY_NAME).alias("数据来源单位"), pl.lit(SOURCE_AGENCY_USCC).alias("数据来源单位统一社会信用代码"),
        empty.alias("备注"),
        pl.col("i"),
    )
    bad_rows = 0
    if bad_rate > 0:
        out, bad_rows = _spoil(out, bad_rate, seed)
    out = out.drop("i")
    assert tuple(out.columns) == PENALTY_HEADERS, out.columns
    meta = {"rows": rows, "seed": seed, "bad_rate": bad_rate, "bad_rows": bad_rows,
            "distinct_enterprises": n_ent, "distinct_persons": int(frame.filter(person)["p_idx"].n_unique()),
            "person_rows": int(frame["is_person"].sum()), "first_day": first_day.isoformat(),
            "last_day": last_day.isoformat(), "source_agency_uscc": SOURCE_AGENCY_USCC,
            "source_agency_name": SOURCE_AGENCY_NAME}
    return out, meta


DEFECTS = ["bad_uscc_check", "impossible_date", "empty_name", "bad_resident_id", "negative_fine",
           "unknown_kind", "future_date", "duplicate_decision_no"]


def _spoil(out: pl.DataFrame, bad_rate: float, seed: int) -> tuple[pl.DataFrame, int]:
    """One defect on each spoiled row (first row never spoiled: duplicates point back to it)."""
    bad = (_u(seed + 91) < bad_rate) & (pl.col("i") > 0)
    defect = (_h(seed + 92) % len(DEFECTS)).cast(pl.Int64)
    is_ = {name: bad & (defect == k) for k, name in enumerate(DEFECTS)}
    uscc_col = "行政相对人代码_1(统一社会信用代码)"
    flipped = pl.col(uscc_col).str.slice(0, 17) + pl.when(pl.col(uscc_col).str.ends_with("0")).then(
        pl.lit("1")).otherwise(pl.lit("0"))
    spoiled = out.with_columns(
        pl.when(is_["bad_uscc_check"]).then(pl.lit("法人及非法人组织")).otherwise(pl.col("行政相对人类别"))
        .alias("行政相对人类别"),
        pl.when(is_["bad_uscc_check"] & pl.col(uscc_col).is_not_null()).then(flipped)
        .when(is_["bad_uscc_check"]).then(pl.lit("91350500MA2XXXXX0X")).otherwise(pl.col(uscc_col)).alias(uscc_col),
        pl.when(is_["impossible_date"]).then(pl.lit("2023/02/30"))
        .when(is_["future_date"]).then(pl.lit("2030/01/01")).otherwise(pl.col("处罚决定日期")).alias("处罚决定日期"),
        pl.when(is_["empty_name"]).then(None).otherwise(pl.col("行政相对人名称")).alias("行政相对人名称"),
        pl.when(is_["bad_resident_id"]).then(pl.lit("自然人")).otherwise(pl.col("行政相对人类别")).alias("行政相对人类别_"),
        pl.when(is_["bad_resident_id"]).then(pl.lit("身份证")).otherwise(pl.col("证件类型")).alias("证件类型"),
        pl.when(is_["bad_resident_id"]).then(pl.lit("350502199902301234")).otherwise(pl.col("证件号码")).alias("证件号码"),
        pl.when(is_["negative_fine"]).then(pl.lit("-3")).otherwise(pl.col("罚款金额(万元)")).alias("罚款金额(万元)"),
        pl.when(is_["unknown_kind"]).then(pl.lit("罚没")).otherwise(pl.col("处罚类别")).alias("处罚类别"),
        pl.when(is_["duplicate_decision_no"]).then(pl.col("行政处罚决定书文号").first())
        .otherwise(pl.col("行政处罚决定书文号")).alias("行政处罚决定书文号"),
    )
    spoiled = spoiled.with_columns(
        pl.when(is_["bad_resident_id"]).then(pl.col("行政相对人类别_")).otherwise(pl.col("行政相对人类别"))
        .alias("行政相对人类别")).drop("行政相对人类别_")
    count = int(spoiled.select(bad.sum()).item())
    return spoiled.select(out.columns), count


def default_path(rows: int, bad_rate: float) -> Path:
    tag = f"{rows // 1000}k" if rows % 1000 == 0 else str(rows)
    suffix = f"-bad{bad_rate:g}" if bad_rate else ""
    return DATA_DIR / f"penalties-{tag}{suffix}.csv"


def write(rows: int, out: Path | None = None, bad_rate: float = 0.0, seed: int = 20261123) -> tuple[Path, dict]:
    path = out or default_path(rows, bad_rate)
    path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    frame, meta = generate(rows, seed=seed, bad_rate=bad_rate)
    t1 = time.perf_counter()
    frame.write_csv(path, include_header=True, null_value="", line_terminator="\r\n")
    t2 = time.perf_counter()
    meta.update({"path": str(path), "bytes": path.stat().st_size, "generate_s": round(t1 - t0, 2),
                 "write_s": round(t2 - t1, 2)})
    path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=2))
    return path, meta


def ensure(rows: int, bad_rate: float = 0.0) -> Path:
    """The default file for `rows`, generated if missing or out of date."""
    path = default_path(rows, bad_rate)
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("rows") == rows and meta.get("last_day", "") <= dt.date.today().isoformat():
            return path
    return write(rows, path, bad_rate)[0]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--bad-rate", type=float, default=0.0, help="fraction of rows with one defect (0..1)")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--out", type=Path, default=None, help="default: bench/data/penalties-<N>.csv")
    args = ap.parse_args(argv)
    path, meta = write(args.rows, args.out, args.bad_rate, args.seed)
    print(json.dumps(meta, ensure_ascii=False))


if __name__ == "__main__":
    main()
