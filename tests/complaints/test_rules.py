"""Pure rules of complaints (QZ art. 37): filing, assignment, and who may see the complainant."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from xinyong.complaints import rules
from xinyong.law.loader import load_profile

QZ = rules.channel(load_profile("quanzhou"), dt.date(2026, 11, 23))
NATIONAL = rules.channel(load_profile("national"), dt.date(2026, 11, 23))


def _file(**kw):
    base = dict(kind="complaint", stage="publication", summary="公示了已经撤销的处罚决定，请核查。", anonymous=False,
                name="张三", contact="13800000000", signed_in=False)
    return rules.filing_problem(QZ, **{**base, **kw})


def test_the_quanzhou_channel_cites_article_37_and_national_is_flagged():
    assert "QZ art. 37" in QZ.citation and "publication" in QZ.stages and "query" in QZ.stages
    assert "GOV-2020-49" in NATIONAL.citation


def test_filing_problems():
    assert _file() is None
    assert _file(kind="praise").code == "unknown_kind"
    assert _file(stage="weather").code == "unknown_stage"
    for wrong in (_file(kind="praise"), _file(stage="weather")):     # a request in words, no list of codes
        assert wrong.en.startswith("choose ") and "(" not in wrong.en and "publication" not in wrong.en
    assert _file(summary="太短").code == "summary_length"
    assert _file(name="").code == "name_required"
    assert _file(contact="").code == "contact_required"
    assert _file(contact="", signed_in=True) is None            # the account is the channel
    assert _file(name="", contact="", anonymous=True) is None   # anyone may file anonymously


S = rules.Staffer


def _assign(assigner=S(1, "staff"), handler=S(2, "staff"), status="filed", current=None):
    return rules.assign_refusal(QZ, assigner=assigner, handler=handler, status=status, current_handler_id=current)


def test_assignment():
    assert _assign() is None
    assert _assign(assigner=S(1, "agency")) == "not_an_assigner"
    assert _assign(handler=S(2, "agency")) == "not_a_handler"
    assert _assign(handler=S(2, "staff", active=False)) == "not_a_handler"
    assert _assign(assigner=S(1, "admin"), status="handled", current=2) == "already_handled"
    assert _assign(handler=S(1, "staff")) == "self_assignment"          # the takeover of issue #10
    assert _assign(status="assigned", current=3) == "reassignment_needs_approval"


@given(assigner=st.integers(1, 6), handler=st.integers(1, 6), current=st.one_of(st.none(), st.integers(1, 6)),
       role=st.sampled_from(["staff", "admin", "supervisor", "auditor", "agency"]))
def test_no_direct_assignment_ever_gives_the_identity_to_the_assigner_or_moves_an_assigned_one(
        assigner, handler, current, role):
    status = "filed" if current is None else "assigned"
    refusal = _assign(assigner=S(assigner, role), handler=S(handler, "staff"), status=status, current=current)
    if refusal is None:
        assert handler != assigner and current is None and role in QZ.assigner_roles


RE = rules.reassignment(load_profile("quanzhou"), dt.date(2026, 11, 23))
REASON = "原承办人与被投诉主体存在利害关系，需要回避。"


def _ask(requester=S(1, "staff"), to=S(3, "staff"), status="assigned", current=2, reason=REASON, pending=False):
    problem = rules.reassign_request_problem(QZ, RE, requester=requester, to=to, status=status,
                                             current_handler_id=current, reason=reason, pending=pending)
    return problem.code if problem else None


def test_a_reassignment_request_needs_a_reason_and_someone_else():
    assert "QZ art. 37" in RE.citation and "art. 14" in RE.citation and RE.approver_roles == ("supervisor",)
    assert _ask() is None
    assert _ask(requester=S(2, "staff")) is None                        # the handler hands over
    assert _ask(requester=S(9, "agency")) == "not_an_assigner"
    assert _ask(status="filed", current=None) == "not_assigned"
    assert _ask(status="handled") == "not_assigned"
    assert _ask(to=S(3, "supervisor")) == "not_a_handler"
    assert _ask(to=S(1, "staff")) == "self_assignment"                  # the takeover, asked for
    assert _ask(to=S(2, "staff")) == "same_handler"
    assert _ask(reason="想看看") == "reason_required"
    assert _ask(reason="理由\x00" * 5) == "reason_required"
    assert _ask(pending=True) == "request_pending"


def _approve(approver=S(5, "supervisor"), requester=1, to=3, frm=2, status="pending", c_status="assigned", current=2):
    return rules.approval_refusal(RE, approver=approver, requester_id=requester, to_user_id=to, from_user_id=frm,
                                  request_status=status, complaint_status=c_status, current_handler_id=current)


def test_four_eyes_on_the_approval():
    assert _approve() is None
    assert _approve(approver=S(5, "staff")) == "not_a_supervisor"
    assert _approve(approver=S(5, "admin")) == "not_a_supervisor"
    assert _approve(approver=S(1, "supervisor")) == "four_eyes"
    assert _approve(approver=S(3, "supervisor")) == "four_eyes"
    assert _approve(approver=S(2, "supervisor")) == "four_eyes"
    assert _approve(status="approved") == "not_pending"
    assert _approve(current=4) == "stale_request"


@given(approver=st.integers(1, 5), requester=st.integers(1, 5), to=st.integers(1, 5), frm=st.integers(1, 5),
       role=st.sampled_from(["staff", "admin", "supervisor", "auditor"]))
def test_an_approved_reassignment_always_involved_two_different_people_and_a_supervisor(
        approver, requester, to, frm, role):
    if _approve(approver=S(approver, role), requester=requester, to=to, frm=frm, current=frm) is None:
        assert role == "supervisor" and approver not in (requester, to, frm)


def test_fuzhou_and_national_profiles_carry_the_rule_with_their_citations():
    fz = rules.reassignment(load_profile("fuzhou"), dt.date(2026, 11, 23))
    assert "FZ art. 12" in fz.citation and fz.approver_roles == ("supervisor",)
    assert "GOV-2020-49" in rules.reassignment(load_profile("national"), dt.date(2026, 11, 23)).citation


@given(viewer=st.one_of(st.none(), st.integers(1, 50)), handler=st.one_of(st.none(), st.integers(1, 50)))
def test_only_the_assigned_handler_sees_the_identity(viewer, handler):
    assert rules.may_see_identity(viewer, handler) == (viewer is not None and viewer == handler)


def test_handling_problems():
    ok = dict(outcome="substantiated", handling="核查了公示记录", result="已撤下公示")
    assert rules.handling_problem(QZ, **ok) is None
    assert rules.handling_problem(QZ, **{**ok, "outcome": "maybe"}).code == "unknown_outcome"
    assert rules.handling_problem(QZ, **{**ok, "handling": " "}).code == "handling_required"
    assert rules.handling_problem(QZ, **{**ok, "result": ""}).code == "result_required"


def test_nul_characters_are_refused():
    assert _file(summary="公示了已经撤销的处罚决定\x00请核查。").code == "control_character"
    assert rules.handling_problem(QZ, outcome="referred", handling="a\x00", result="b").code == "control_character"
