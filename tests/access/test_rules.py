"""The gate's rules, pure: each basis allows exactly what it covers and nothing more, and every
decision names its reason and article (FZ art. 11, 13; QZ art. 10, 33)."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from xinyong.access import rules
from xinyong.access.rules import Ask, AuthorisationFacts, Caller, QueryItemFacts, decide
from xinyong.catalogue import get_catalogue
from xinyong.law import ProfileError, get_profile
from xinyong.models.agency import ORG_KINDS
from xinyong.models.org_roles import ORG_ROLE_KINDS

D = dt.date
TODAY = D(2026, 9, 1)
CODES = frozenset(i.code for i in get_catalogue().items)
AGENCY = Caller(role="agency", org_id=1, org_kind="public_body")
BANK = Caller(role="financial", org_id=2, org_kind="financial")
COURT = Caller(role="judicial", org_id=3, org_kind="judicial")


@pytest.fixture(params=["quanzhou", "fuzhou"])
def policy(request):
    return rules.policy_from(get_profile(request.param), TODAY, CODES, ORG_KINDS)


def ask(basis: str, items=("penalty",), purpose="信贷审查", basis_id: str | None = "7", reference="", subject=10):
    return Ask(subject_id=subject, items=tuple(items), purpose=purpose, basis=basis, basis_id=basis_id,
               reference=reference, today=TODAY)


AUTH = AuthorisationFacts(id=7, subject_id=10, grantee_org_id=2, items=frozenset({"penalty", "licence"}),
                          purpose="信贷审查", valid_from=D(2026, 8, 1), valid_to=D(2026, 12, 31), revoked_on=None,
                          restricted_consent=False)
QI = QueryItemFacts(id=7, org_id=1, matter="食品经营许可审查", items=frozenset({"penalty", "licence"}), status="published")


def test_every_city_profile_gives_a_complete_valid_policy(policy):
    assert all(policy.citations[k] for k in ("self", "authorisation", "query_item", "legal_basis", "restricted"))
    assert policy.consent_notice["zh"] and policy.consent_notice["en"]
    assert set(policy.restricted) == {"income", "deposits", "securities", "insurance", "real_estate", "tax_amount"}
    for basis in policy.legal_bases.values():
        assert basis.items <= CODES, basis.id            # legal bases name catalogue items only
        assert basis.citation and basis.reference_zh and basis.org_kinds <= set(ORG_KINDS)


def test_before_the_regulation_is_in_force_every_basis_is_closed():
    early = rules.policy_from(get_profile("quanzhou"), D(2025, 6, 1), CODES, ORG_KINDS)
    decision = decide(Caller(role="subject", subject_id=10), dataclasses.replace(ask("self"), today=D(2025, 6, 1)), early)
    assert not decision.allowed and decision.code == "no_rule"


@pytest.mark.parametrize("bad, message", [
    ({"bases": []}, "non-empty list"),
    ({"bases": [{"id": "x", "citation": "c", "org_kinds": ["martians"], "items": ["penalty"]}]}, "org_kinds"),
    ({"bases": [{"id": "x", "citation": "c", "org_kinds": ["judicial"], "items": ["restricted:income"],
                 "name": {"zh": "a", "en": "a"}, "reference": {"zh": "b", "en": "b"}}]}, "consent"),
    ({"bases": [{"id": "x", "org_kinds": ["judicial"], "items": ["penalty"]}]}, "citation"),
])
def test_malformed_legal_bases_are_refused_with_the_place(bad, message):
    with pytest.raises(ProfileError, match=message):
        rules.parse_legal_bases(bad, ORG_KINDS, {"income"}, "profile x: rule query.legal_bases")


# ---- self ----------------------------------------------------------------------------------------------

def test_a_subject_reads_itself_all_items_even_restricted(policy):
    me = Caller(role="subject", subject_id=10)
    d = decide(me, ask("self", items=("penalty", "restricted:income"), purpose="", basis_id=None), policy)
    assert d.allowed and d.identity_covered and d.citation == policy.citations["self"]
    other = decide(me, ask("self", subject=11, basis_id=None), policy)
    assert not other.allowed and other.code == "not_own_subject"


def test_only_subjects_and_the_window_use_self(policy):
    assert decide(AGENCY, ask("self", basis_id=None), policy).code == "not_own_subject"
    staff = Caller(role="staff")
    assert decide(staff, ask("self", basis_id=None), policy).code == "reference_required"
    window = decide(staff, ask("self", basis_id=None, reference="窗口-2026-0101"), policy)
    assert window.allowed and window.channel == "window" and "窗口-2026-0101" in window.basis_ref


# ---- written authorisation -----------------------------------------------------------------------------

def test_an_authorisation_allows_its_items_purpose_and_period(policy):
    d = decide(BANK, ask("authorisation", items=("penalty", "licence")), policy, authorisation=AUTH)
    assert d.allowed and d.basis_ref == "7" and d.identity_covered
    assert d.citation == policy.citations["authorisation"] and "7" in d.reason_zh
    assert d.reason.startswith("the subject's written authorisation") and "#" not in d.reason


def test_an_english_reason_names_the_items_in_english():
    named = rules.policy_from(get_profile("quanzhou"), TODAY, CODES, ORG_KINDS,
                              names={"penalty": "行政处罚", "licence": "行政许可"},
                              names_en={"penalty": "Administrative penalties", "licence": "Administrative licences"})
    d = decide(BANK, ask("authorisation", items=("penalty", "licence")), named, authorisation=AUTH)
    assert "Administrative licences, Administrative penalties" in d.reason and "penalty," not in d.reason
    refused = decide(BANK, ask("authorisation", items=("penalty", "contract_performance")), named, authorisation=AUTH)
    assert refused.code == "item_not_covered" and "contract_performance" in refused.reason   # no name: its code


@pytest.mark.parametrize("change, code", [
    (dict(items=("penalty", "contract_performance")), "item_not_covered"),   # one item outside
    (dict(purpose="招聘背景调查"), "purpose_mismatch"),
    (dict(subject=11), "no_authorisation"),                                  # another subject
    (dict(items=("penalty", "restricted:income")), "item_not_covered"),
    (dict(purpose=""), "purpose_required"),
    (dict(basis_id=None), "basis_id_required"),
])
def test_an_authorisation_allows_nothing_more(policy, change, code):
    d = decide(BANK, ask("authorisation", **change), policy, authorisation=AUTH)
    assert not d.allowed and d.code == code and d.citation


@pytest.mark.parametrize("day, allowed", [(D(2026, 7, 31), False), (D(2026, 8, 1), True), (D(2026, 12, 31), True),
                                          (D(2027, 1, 1), False)])
def test_an_authorisation_holds_only_within_its_period(policy, day, allowed):
    d = decide(BANK, dataclasses.replace(ask("authorisation"), today=day), policy, authorisation=AUTH)
    assert d.allowed is allowed
    if not allowed:
        assert d.code == "not_valid_today" and "2026-08-01..2026-12-31" in d.reason


@pytest.mark.parametrize("role, kind", sorted((role, kinds[0]) for role, kinds in ORG_ROLE_KINDS.items()))
def test_any_organisation_queries_on_the_subjects_written_authorisation(policy, role, kind):
    """QZ art. 33, FZ art. 13 para. 3: no unit reads non-public information without the
    subject's written authorisation, and any unit may with it — an enterprise judging a
    business partner too (QZ art. 28 para. 2; it was refused by role before)."""
    caller = Caller(role=role, org_id=2, org_kind=kind)
    assert decide(caller, ask("authorisation"), policy, authorisation=AUTH).allowed
    assert decide(caller, ask("authorisation"), policy).code == "no_authorisation"


@pytest.mark.parametrize("role", ["auditor", "supervisor", "agency_admin", "registrant", "admin"])
def test_accounts_of_no_querying_role_are_refused_whatever_they_hold(policy, role):
    d = decide(Caller(role=role, org_id=2, org_kind="enterprise"), ask("authorisation"), policy, authorisation=AUTH)
    assert not d.allowed and d.code == "role"


def test_an_enterprise_has_no_query_items_of_its_own(policy):
    """FZ art. 13 para. 2: query items tie items to a public body's administrative matters."""
    firm = Caller(role="enterprise", org_id=1, org_kind="enterprise")
    assert not decide(firm, ask("query_item", purpose="食品经营许可审查"), policy, query_item=QI).allowed


def test_a_revoked_authorisation_or_one_for_another_organisation_is_refused(policy):
    revoked = dataclasses.replace(AUTH, revoked_on=D(2026, 8, 20))
    assert decide(BANK, ask("authorisation"), policy, authorisation=revoked).code == "revoked"
    other_bank = Caller(role="financial", org_id=99, org_kind="financial")
    d = decide(other_bank, ask("authorisation"), policy, authorisation=AUTH)
    assert not d.allowed and d.code == "no_authorisation"
    assert decide(Caller(role="subject", subject_id=10), ask("authorisation"), policy, authorisation=AUTH).code \
        == "no_authorisation"   # a person's account is no organisation


def test_restricted_classes_need_the_consent_given_with_the_authorisation(policy):
    covering = dataclasses.replace(AUTH, items=frozenset({"penalty", "restricted:income"}))
    without = decide(BANK, ask("authorisation", items=("restricted:income",)), policy, authorisation=covering)
    assert not without.allowed and without.code == "restricted_needs_consent"
    assert without.citation == policy.citations["restricted"]
    consented = dataclasses.replace(covering, restricted_consent=True)
    assert decide(BANK, ask("authorisation", items=("restricted:income",)), policy, authorisation=consented).allowed


# ---- query items ---------------------------------------------------------------------------------------

CONSENT_ONLY = frozenset(i.code for i in get_catalogue().items if i.disclosure == "authorisation_required")


@pytest.mark.parametrize("city", ["quanzhou", "fuzhou"])
def test_an_item_read_only_on_written_authorisation_is_never_covered_by_a_query_item(city):
    """FZ art. 13 para. 3 / QZ art. 33: what the catalogue opens only on the subject's written
    authorisation is not read on an agency's own published query item, even one that lists it."""
    assert CONSENT_ONLY, "the catalogue has an item read only on authorisation"
    policy = rules.policy_from(get_profile(city), TODAY, CODES, ORG_KINDS, consent_only=CONSENT_ONLY)
    wide = dataclasses.replace(QI, items=QI.items | CONSENT_ONLY)
    item = sorted(CONSENT_ONLY)[0]
    d = decide(AGENCY, ask("query_item", items=(item,), purpose="食品经营许可审查"), policy, query_item=wide)
    assert not d.allowed and d.code == "item_needs_authorisation" and d.citation == policy.citations["authorisation"]
    assert decide(AGENCY, ask("query_item", purpose="食品经营许可审查"), policy, query_item=wide).allowed

def test_a_published_query_item_of_the_agency_allows_its_items_for_its_matter(policy):
    d = decide(AGENCY, ask("query_item", purpose="食品经营许可审查"), policy, query_item=QI)
    assert d.allowed and not d.identity_covered and d.citation == policy.citations["query_item"]


@pytest.mark.parametrize("caller, facts, change, code", [
    (AGENCY, dataclasses.replace(QI, status="draft"), {}, "query_item_draft"),
    (AGENCY, dataclasses.replace(QI, status="withdrawn"), {}, "query_item_withdrawn"),
    (AGENCY, QI, dict(items=("penalty", "contract_performance")), "item_not_covered"),
    (AGENCY, QI, dict(purpose="其他事项"), "purpose_mismatch"),
    (AGENCY, QI, dict(items=("restricted:deposits",)), "restricted_needs_consent"),
    (Caller(role="agency", org_id=5, org_kind="public_body"), QI, {}, "no_query_item"),   # another agency's item
    (BANK, QI, {}, "no_query_item"),                                                     # not a public body
])
def test_a_query_item_allows_nothing_more(policy, caller, facts, change, code):
    request = ask("query_item", **{"purpose": "食品经营许可审查", **change})
    d = decide(caller, request, policy, query_item=facts)
    assert not d.allowed and d.code == code


# ---- legal bases ---------------------------------------------------------------------------------------

def test_a_legal_basis_allows_its_organisation_kind_with_a_document(policy):
    d = decide(COURT, ask("legal_basis", basis_id="civil_court_inquiry", reference="（2026）闽05执123号"), policy)
    assert d.allowed and d.basis_ref == "civil_court_inquiry: （2026）闽05执123号"
    assert "民事诉讼法" in d.citation and d.identity_covered


@pytest.mark.parametrize("caller, change, code", [
    (BANK, {}, "wrong_organisation_kind"),
    (AGENCY, {}, "wrong_organisation_kind"),
    (COURT, dict(reference=""), "reference_required"),
    (COURT, dict(basis_id="no_such_law"), "unknown_legal_basis"),
    (COURT, dict(items=("penalty", "volunteered")), "item_not_covered"),
    (COURT, dict(items=("restricted:income",)), "restricted_needs_consent"),
])
def test_a_legal_basis_allows_nothing_more(policy, caller, change, code):
    request = ask("legal_basis", **{"basis_id": "civil_court_inquiry", "reference": "（2026）闽05执123号", **change})
    d = decide(caller, request, policy)
    assert not d.allowed and d.code == code


def test_an_administrative_organ_uses_its_own_legal_basis(policy):
    d = decide(AGENCY, ask("legal_basis", basis_id="administrative_case_investigation", reference="泉市监立〔2026〕8号"),
               policy)
    assert d.allowed and "行政处罚法" in d.citation


# ---- anything else -------------------------------------------------------------------------------------

@pytest.mark.parametrize("caller, request_, code", [
    (BANK, ask("authorisation", items=("no_such_item",)), "unknown_item"),
    (BANK, ask("authorisation", items=("restricted:religion",)), "unknown_item"),   # forbidden, never a class
    (BANK, ask("authorisation", items=()), "unknown_item"),
    (BANK, ask("public"), "unknown_basis"),
    (Caller(role="auditor"), ask("self", basis_id=None), "role"),
    (dataclasses.replace(BANK, org_in_standing=False), ask("authorisation"), "organisation_not_in_standing"),
])
def test_anything_else_is_refused_with_a_reason(policy, caller, request_, code):
    d = decide(caller, request_, policy, authorisation=AUTH)
    assert not d.allowed and d.code == code and d.reason and d.reason_zh


def test_grant_problems_name_the_field(policy):
    def problem(items=("penalty",), purpose="p", start=TODAY, end=D(2026, 12, 31), consent=False):
        found = rules.grant_problem(list(items), purpose, start, end, TODAY, consent, policy)
        return found and found[0]
    assert problem() is None
    assert problem(items=("nope",)) == "items"
    assert problem(purpose=" ") == "purpose"
    assert problem(end=D(2026, 8, 31)) == "valid_to"
    assert problem(items=("restricted:income",)) == "restricted_consent"
    assert problem(items=("restricted:income",), consent=True) is None
