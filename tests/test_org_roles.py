"""The organisation roles are declared once (xinyong/models/org_roles.py): every role has a
decision, with its basis, for every capability; no module lists organisation roles by hand; and
the law profiles that name organisation kinds for a capability never admit a kind whose role
lacks it (ARCHITECTURE.md, "Guarantees that cut across features")."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from xinyong.law import load_profile
from xinyong.models.agency import ORG_KINDS
from xinyong.models.org_roles import CAPABILITIES, ORG_ROLE_KINDS, ORG_ROLES, kinds_with, roles_with

PACKAGE = Path(__file__).resolve().parent.parent / "xinyong"
DECLARATION = PACKAGE / "models" / "org_roles.py"
PROFILES = PACKAGE / "law" / "profiles"
CITES = re.compile(r"\b(QZ|FZ) art\. \d+")
# kinds that are no role's name: a literal list holding one is a list of kinds, not of roles
KIND_ONLY = frozenset(ORG_KINDS) - frozenset(ORG_ROLES)


# ---- one decision, with its basis, per role and capability ------------------------------------------

@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
def test_every_organisation_role_has_a_decision_for_every_capability(capability):
    cap = CAPABILITIES[capability]
    assert set(cap.allow) & set(cap.deny) == set(), "a role both allowed and denied"
    assert set(cap.allow) | set(cap.deny) == set(ORG_ROLES), "a role without a decision"
    for role, basis in {**cap.allow, **cap.deny}.items():
        assert CITES.search(basis), (capability, role, "the basis cites no article of QZ or FZ")
    assert cap.meaning.strip()


def test_every_organisation_role_belongs_to_known_organisation_kinds():
    assert ORG_ROLES and all(kinds and set(kinds) <= set(ORG_KINDS) for kinds in ORG_ROLE_KINDS.values())
    assert {k for kinds in ORG_ROLE_KINDS.values() for k in kinds} == set(ORG_KINDS)


@given(st.sampled_from(sorted(CAPABILITIES)))
def test_roles_with_follows_the_decisions_in_declaration_order(capability):
    found = roles_with(capability)
    assert set(found) == set(CAPABILITIES[capability].allow)
    assert list(found) == [r for r in ORG_ROLES if r in found]
    assert kinds_with(capability) == {k for r in found for k in ORG_ROLE_KINDS[r]}


def test_modules_ask_the_declaration():
    """The tuples the review found disagreeing are now the declaration's."""
    from xinyong.access.rules import QUERY_ROLES
    from xinyong.deadlines.api import ORG_ROLES as QUEUES
    from xinyong.documents.pages import ORG_ROLES as ADDRESSEES
    from xinyong.feed.views import RECEIVER_ROLES
    from xinyong.market.service import PROVIDER_ROLES
    from xinyong.objections.service import SOURCE_ROLES
    from xinyong.reports.rules import ORG_ROLES as SPECIAL
    from xinyong.workbench.rules import SOURCES
    assert set(QUERY_ROLES) - {"staff", "subject"} == set(roles_with("query_credit_information"))
    assert QUEUES == roles_with("organisation_deadlines") and ADDRESSEES == roles_with("organisation_documents")
    assert RECEIVER_ROLES == roles_with("receive_feed") and PROVIDER_ROLES == roles_with("provide_market_information")
    assert SOURCE_ROLES == roles_with("answer_objections") and SPECIAL == roles_with("obtain_special_report")
    assert {r for r in ORG_ROLES if "feed" in SOURCES[r]} == set(roles_with("receive_feed"))
    assert {r for r in ORG_ROLES if "org_deadlines" in SOURCES[r]} == set(roles_with("organisation_deadlines"))


# ---- no hand-written lists of organisation roles ----------------------------------------------------

def _role_literals(nodes) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _hand_lists(source: str) -> list[int]:
    """Line numbers of literal collections, dict keys or call arguments naming two or more
    organisation roles (a list holding a kind that is no role's name is a list of kinds)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [k for k in node.keys if k is not None]
        elif isinstance(node, ast.Call):
            items = node.args
        else:
            continue
        names = _role_literals(items)
        if len(set(names) & set(ORG_ROLES)) >= 2 and not set(names) & KIND_ONLY:
            found.append(node.lineno)
    return found


def _nav_hand_lists(text: str) -> list[str]:
    return [entry["href"] for entry in yaml.safe_load(text) or []
            if isinstance(entry.get("roles"), list) and len(set(entry["roles"]) & set(ORG_ROLES)) >= 2]


def test_no_module_lists_organisation_roles_by_hand():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path != DECLARATION:
            offenders += [f"{path.relative_to(PACKAGE)}:{line}" for line in _hand_lists(path.read_text(encoding="utf-8"))]
    for path in sorted(p for p in (PACKAGE / "web" / "nav").glob("*.yaml") if not p.name.startswith("_")):
        offenders += [f"{path.relative_to(PACKAGE)}: {href}" for href in _nav_hand_lists(path.read_text(encoding="utf-8"))]
    assert offenders == [], "derive these from xinyong.models.org_roles.roles_with (nav: org_roles: <capability>)"


@given(st.lists(st.sampled_from(ORG_ROLES), min_size=2, max_size=6, unique=True),
       st.lists(st.sampled_from(["staff", "admin", "subject", "auditor"]), max_size=3),
       st.sampled_from(["X = ({})", "X = [{}]", "X = {{{}}}", "p = allow({})", "X = {{{}: 1}}"]))
def test_the_scan_catches_a_hand_written_list(roles, others, shape):
    names = [*roles, *others]
    body = ", ".join(f'"{n}"' for n in names) if ": 1" not in shape else ': 1, '.join(f'"{n}"' for n in names)
    assert _hand_lists(shape.format(body)) == [1]


def test_the_scan_leaves_lists_of_kinds_and_single_roles_alone():
    assert _hand_lists('KINDS = ("public_body", "judicial", "credit_service")\nA = allow("agency", "staff")') == []
    assert _nav_hand_lists('- {href: /x, label: x, roles: [agency, judicial]}') == ["/x"]
    assert _nav_hand_lists('- {href: /x, label: x, roles: [staff], org_roles: receive_feed}') == []


# ---- the profiles narrow a capability, never widen it -------------------------------------------------

def _profiles():
    return [load_profile(p.stem) for p in sorted(PROFILES.glob("*.yaml"))]


@pytest.mark.parametrize("capability", sorted(c for c, cap in CAPABILITIES.items() if cap.profile_kinds))
def test_profiles_admit_only_kinds_whose_role_has_the_capability(capability):
    key, field = CAPABILITIES[capability].profile_kinds
    admitted: set[str] = set()
    for profile in _profiles():
        for version in profile.versions(key):
            kinds = set(version.value[field])
            assert kinds <= kinds_with(capability), (profile.name, key, kinds - kinds_with(capability))
            admitted |= kinds
    assert admitted, f"no profile has {key}"
    dead = [r for r in roles_with(capability) if not set(ORG_ROLE_KINDS[r]) & admitted]
    assert dead == [], f"roles with {capability} that no profile admits"
