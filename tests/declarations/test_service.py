"""Use cases of self-declared information on a real database (SQLite and PostgreSQL):
declare under the pledge, refusals, withdrawal keeping the row, staff withdrawal with notice."""
from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from tests.declarations.support import declaration_in, world
from xinyong.declarations import service
from xinyong.history import versions
from xinyong.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.models import AuditEntry, Notification
from xinyong.models.declaration import Declaration


@pytest.fixture
def w(session, today):
    today("2026-06-01")
    return world(session)


def _actions(session, declaration_id) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "declaration",
                                                                AuditEntry.target_id == str(declaration_id))
                                .order_by(AuditEntry.id)))


def test_a_subject_declares_for_itself_under_the_pledge(session, w):
    d = service.declare(session, w["principals"]["firm1"], declaration_in(title="  守合同重信用企业  "))
    session.commit()
    assert (d.subject_id, d.status, d.form, d.category, d.title) == \
        (w["firm"].id, "published", "self_report", "honours", "守合同重信用企业")
    assert d.pledge_accepted_at is not None and d.declared_by == w["principals"]["firm1"].user_id
    assert "QZ art. 13" in d.citation
    assert _actions(session, d.id) == ["declaration.declared"]


def test_the_pledge_is_required(session, w):
    with pytest.raises(InvalidInput) as refused:
        service.declare(session, w["principals"]["firm1"], declaration_in(pledge_accepted=False))
    assert refused.value.field == "pledge_accepted" and refused.value.code == "pledge_required"
    assert session.scalar(select(func.count()).select_from(Declaration)) == 0


def test_a_category_or_form_outside_the_rule_is_refused(session, w):
    with pytest.raises(InvalidInput) as refused:
        service.declare(session, w["principals"]["firm1"], declaration_in(category="credit_rating"))
    assert refused.value.field == "category"
    with pytest.raises(InvalidInput) as refused:     # a Fuzhou form, not in Quanzhou's article
        service.declare(session, w["principals"]["firm1"], declaration_in(form="social_commitment"))
    assert refused.value.field == "form"
    with pytest.raises(ValidationError) as invalid:   # refused by the input text type, before the service
        declaration_in(content="负责人\x00")
    assert invalid.value.errors()[0]["type"] == "control_character"


def test_only_a_subject_account_declares(session, w):
    with pytest.raises(Forbidden):
        service.declare(session, w["principals"]["staff1"], declaration_in())


def test_no_declaration_before_the_rule_is_in_force(session, w, today):
    today("2025-12-31")
    with pytest.raises(Conflict) as refused:
        service.declare(session, w["principals"]["firm1"], declaration_in())
    assert refused.value.code == "rule_not_in_force"


def test_withdrawing_keeps_the_row_with_its_reason(session, w):
    firm1 = w["principals"]["firm1"]
    d = service.declare(session, firm1, declaration_in())
    service.withdraw_own(session, firm1, d.id, "证书已过有效期")
    session.commit()
    session.expire_all()
    kept = session.get(Declaration, d.id)
    assert (kept.status, kept.withdraw_reason, kept.withdrawn_as) == ("withdrawn", "证书已过有效期", "subject")
    assert kept.withdrawn_at is not None and kept.withdrawn_by == firm1.user_id
    assert _actions(session, d.id) == ["declaration.declared", "declaration.withdrawn"]
    assert [v.snapshot["status"] for v in versions(session, "declaration", d.id)] == ["published"]
    with pytest.raises(Conflict):
        service.withdraw_own(session, firm1, d.id, "再次撤回")
    with pytest.raises(InvalidInput) as refused:
        service.withdraw_own(session, firm1, service.declare(session, firm1, declaration_in()).id, "  ")
    assert refused.value.field == "reason"


def test_another_subject_cannot_withdraw_it(session, w):
    d = service.declare(session, w["principals"]["firm1"], declaration_in())
    with pytest.raises(NotFound):
        service.withdraw_own(session, w["principals"]["rival1"], d.id, "恶意撤回")
    with pytest.raises(NotFound):
        service.withdraw_own(session, w["principals"]["rival1"], d.id + 1000, "不存在")
    assert session.get(Declaration, d.id).status == "published"


def test_staff_withdraw_an_unlawful_declaration_and_the_subject_is_told(session, w):
    d = service.declare(session, w["principals"]["firm1"], declaration_in())
    with pytest.raises(Forbidden):
        service.withdraw_unlawful(session, w["principals"]["rival1"], d.id, "x")
    service.withdraw_unlawful(session, w["principals"]["staff1"], d.id, "所称荣誉经核查不存在")
    session.commit()
    assert (d.status, d.withdrawn_as) == ("withdrawn", "staff")
    told = session.scalars(select(Notification).where(Notification.recipient_subject_id == w["firm"].id)).all()
    assert [n.kind for n in told] == ["declaration_withdrawn"]
    assert "所称荣誉经核查不存在" in told[0].text_zh and told[0].link == "/me/declarations"
    assert _actions(session, d.id)[-1] == "declaration.withdrawn"
    assert session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.recipient_subject_id == w["rival"].id)) == 0


def test_the_public_sees_published_declarations_of_organisations_only(session, w):
    mine = service.declare(session, w["principals"]["firm1"], declaration_in())
    gone = service.declare(session, w["principals"]["firm1"], declaration_in(title="已撤回的申报"))
    service.withdraw_own(session, w["principals"]["firm1"], gone.id, "填写有误")
    service.declare(session, w["principals"]["person1"], declaration_in(title="个人获奖"))
    pol, shown = service.public_of(session, w["firm"].id)
    assert [d.id for d in shown] == [mine.id] and "平台未核实" in pol.label.zh
    with pytest.raises(NotFound):   # a person with nothing in public view is answered as no one
        service.public_of(session, w["person"].id)
    assert [d.title for d in service.mine(session, w["principals"]["person1"])] == ["个人获奖"]
    with pytest.raises(NotFound):
        service.public_of(session, 10**9)
