"""Objections in the demo city: the firm-demo account's enterprise objects to one of its records
(a public one when it has any, so the portal shows the mark), with a PDF of evidence, through
the same service a subject uses. Idempotent: once that subject has an objection, it is kept."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.service import principal_of
from xinyong.disclosure.repository import public_condition
from xinyong.kit.pdf import DocumentSpec, Section, render
from xinyong.models import Record, User
from xinyong.models.objection import Objection
from xinyong.objections import service

SUBJECT_ACCOUNT = "firm-demo"
REASONS = ("该处罚决定书载明的决定日期与系统公示不一致，且公示内容遗漏了已缴纳罚款的情况，"
           "请核对决定书原件予以更正。")


def load(session: Session, ctx) -> list[str]:
    user = session.scalar(select(User).where(User.username == SUBJECT_ACCOUNT))
    if user is None or user.subject_id is None:
        return ["Objections: no firm-demo account, no demo objection"]
    objection = session.scalar(select(Objection).where(Objection.subject_id == user.subject_id)
                               .order_by(Objection.id).limit(1))
    created = objection is None
    if created:
        record = _record(session, user.subject_id, ctx.today)
        if record is None:
            return ["Objections: firm-demo's enterprise has no records, no demo objection"]
        objection = service.file_objection(session, principal_of(user, "cli"), record_id=record.id,
                                           grounds=["error", "omission"], reasons=REASONS,
                                           requested_change="决定日期、缴款情况",
                                           files=[service.Upload("处罚决定书（复印件）.pdf", _evidence_pdf())],
                                           channel="demo")
    record = session.get(Record, objection.record_id)
    agency_user = session.scalar(select(User.username).where(User.agency_id == objection.source_agency_id,
                                                             User.role == "agency").order_by(User.id).limit(1))
    public = session.scalar(select(Record.id).where(Record.id == record.id, public_condition(ctx.today))) is not None
    where = (f"/subjects/{record.subject_id} (public portal) and /me/profile" if public
             else "/me/profile (the record is not public)")
    state = "filed" if created else f"kept ({objection.status})"
    return ["", "Objections (异议: FZ art. 25, QZ art. 34)",
            f"  objection #{objection.id} {state}: firm-demo objects to record {record.decision_no}",
            f"            marked 异议处理中 / under objection at {where}; follow it at /me/objections",
            f"  resolve it as the source agency: sign in as {agency_user or '(no agency account)'}, open "
            f"/agency/objections/{objection.id}, correct or uphold"]


def _record(session: Session, subject_id: int, today) -> Record | None:
    """A public record of the subject if it has one, else its latest record."""
    base = select(Record).where(Record.subject_id == subject_id, Record.under_objection.is_(False))
    return (session.scalar(base.where(public_condition(today)).order_by(Record.decision_date.desc()).limit(1))
            or session.scalar(base.order_by(Record.decision_date.desc()).limit(1)))


def _evidence_pdf() -> bytes:
    return render(DocumentSpec(title="行政处罚决定书（复印件）", number="演示材料", issuer="演示企业",
                               date_text="", sections=[Section(paragraphs=["本文件为演示用证明材料。"])]))
