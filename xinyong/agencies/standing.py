"""Whether an organisation may act on the platform ("in standing"), decided here and nowhere else.

An organisation is in standing while the platform has it active and, for a credit service
agency, while its filing in the register of credit service agencies is not cancelled (QZ art.
40-42; FZ art. 26-27: a cancelled filing ends the agency's standing as one). An agency with no
register entry yet stands on its platform registration alone: organisations are registered
before, and apart from, their filing.

Every caller is resolved through ``account_may_act`` (API tokens, page sessions, sign-in), so
the accounts of an organisation not in standing get nothing anywhere; modules that decide on an
organisation itself (the feed's receivers, the query gate) ask ``organisation``. The decision is
one SQL condition over outer joins, so it costs no extra query on the hot path of a token.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session, aliased

from xinyong.models import Agency, User
from xinyong.models.credit_service import CreditServiceAgency

# the organisation kind whose standing also rests on its filing in the register
FILED_KIND = "credit_service"
CANCELLED = "cancelled"

# aliases of their own, so a statement that already joins agencies or the register keeps its joins
_org = aliased(Agency, name="standing_org")
_entry = aliased(CreditServiceAgency, name="standing_entry")


def _with_entry(stmt: Select, org) -> Select:
    """``stmt`` outer-joined to the register entry of ``org`` (an Agency entity), if it has one."""
    return stmt.outerjoin(_entry, and_(org.kind == FILED_KIND, _entry.uscc == org.uscc))


def _in_standing(org) -> ColumnElement[bool]:
    return and_(org.active.is_(True), or_(org.kind != FILED_KIND, _entry.id.is_(None), _entry.status != CANCELLED))


def _account_joins(stmt: Select) -> Select:
    return _with_entry(stmt.outerjoin(_org, _org.id == User.agency_id), _org)


def _account_condition() -> ColumnElement[bool]:
    """An active account, of no organisation or of one in standing."""
    return and_(User.active.is_(True), or_(User.agency_id.is_(None), _in_standing(_org)))


def accounts_that_may_act(stmt: Select) -> Select:
    """``stmt``, a select over users, kept to the accounts that may act now."""
    return _account_joins(stmt).where(_account_condition())


def with_may_act(stmt: Select) -> Select:
    """``stmt``, a select over users, with one more column: whether the account may act now."""
    return _account_joins(stmt.add_columns(_account_condition().label("may_act")))


def organisation(session: Session, org_id: int | None = None, *, uscc: str | None = None
                 ) -> tuple[Agency | None, bool]:
    """The organisation of that id (or USCC) and whether it is in standing, in one query; no such
    organisation: (None, False)."""
    if org_id is None and not uscc:
        return None, False
    found = Agency.id == org_id if org_id is not None else Agency.uscc == uscc.strip().upper()
    row = session.execute(_with_entry(select(Agency, _in_standing(Agency).label("in_standing")), Agency)
                          .where(found)).one_or_none()
    return (row[0], bool(row[1])) if row is not None else (None, False)


def organisations_in_standing(stmt: Select) -> Select:
    """``stmt``, a select over agencies, kept to the organisations in standing."""
    return _with_entry(stmt, Agency).where(_in_standing(Agency))
