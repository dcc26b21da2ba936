"""Finding a subject at the service window without putting its identifier in a URL.

Staff type a USCC or a resident ID number into a form that is POSTed; the page then goes on
at ``<page>?subject_id=<internal id>``, an opaque reference that means nothing outside the
platform. So no resident ID number lands in the server's access log, the browser's history or
a Referer header (issue #10 point 5). The page shows the subject masked as on public views.

Finding the subject by its code is the window visit: it is logged in the subject's access log
(access.gate.record_window_visit), and a window page shows a subject only to the staff member
who found it that day. An internal id typed into the URL opens nothing."""
from __future__ import annotations

from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from xinyong.access import gate, service
from xinyong.kit.access import Principal
from xinyong.kit.errors import NotFound, XinyongError
from xinyong.kit.masking import mask_name
from xinyong.models import Subject


def find(session: Session, code: str) -> int:
    """A subject by its USCC, or (for a natural person) by resident ID number: the one look-up
    (access.service.subject_by_code, GB 11643 checked as ingestion does)."""
    return service.subject_by_code(session, code)


def visit(session: Session, principal: Principal, code: str, purpose: tuple[str, str], find=find) -> int:
    """The subject found by its code, the visit logged (``purpose``: (zh, en))."""
    subject_id = find(session, code)
    gate.record_window_visit(session, principal, subject_id, *purpose)
    return subject_id


def look_up(session: Session, principal: Principal, code: str, path: str, purpose: tuple[str, str], on_error,
            find=find):
    """The POSTed look-up of every window page: on success the visit is logged and committed and
    the page goes on at ``path?subject_id=``, else ``on_error(exc)`` renders the page with the
    error (the identifier never enters a URL)."""
    try:
        subject_id = visit(session, principal, code, purpose, find)
    except XinyongError as exc:
        return on_error(exc)
    session.commit()
    return found(path, subject_id)


def visited(session: Session, principal: Principal, subject_id: int | None) -> int | None:
    """``subject_id`` when this staff member found the subject at the window today, else None
    (the page then shows only its look-up form)."""
    if subject_id is None or not gate.window_visit_open(session, principal, subject_id):
        return None
    return subject_id


def found(path: str, subject_id: int) -> RedirectResponse:
    """After a look-up or an action: back to the page, naming the subject only by its id."""
    return RedirectResponse(f"{path}?subject_id={int(subject_id)}", status_code=303)


def label(session: Session, principal: Principal, subject_id: int | None) -> dict | None:
    """The subject as the page shows it: an organisation by name and USCC, a person masked;
    None unless this staff member found it at the window today (``visited``)."""
    if visited(session, principal, subject_id) is None:
        return None
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound("未找到该信用主体", field="subject", message_en="no such credit subject")
    person = subject.kind == "natural_person"
    return {"id": subject.id, "name": mask_name(subject.name) if person else subject.name,
            "code": "" if person else (subject.uscc or "")}
