"""Credit reports issued by the platform (QZ art. 10-11, FZ art. 24): every issue is a row with
its verification code, kind, subject, requester, the SHA-256 of the signed PDF and the PDF itself
(the subject downloads it again); every verification attempt is a row too (who checked what,
with which outcome), so an issued report can be traced from request to each check.

Both tables carry subject_id and a time column (ARCHITECTURE.md, "Built to grow")."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.models.base import Base, BigId, Json, TimestampTZ

REPORT_KINDS = ("full", "public", "special")


class IssuedReport(Base):
    __tablename__ = "issued_reports"
    __table_args__ = (
        Index("ix_issued_reports_subject", "subject_id", "issued_at"),
        Index("ix_issued_reports_sha256", "sha256"),
        Index("ix_issued_reports_requester", "requester_user_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)   # verification code
    number: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # report number printed on it
    kind: Mapped[str] = mapped_column(String(16), nullable=False)                # full | public | special
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    subject_name_masked: Mapped[str] = mapped_column(String(300), nullable=False)
    requester_user_id: Mapped[int | None] = mapped_column(BigId, nullable=True)  # None: anonymous (public report)
    requester_org_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    requester_role: Mapped[str] = mapped_column(String(32), nullable=False)
    basis_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)     # self | authorisation | public
    basis_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    params: Mapped[dict] = mapped_column(Json, nullable=False, default=dict)     # field, period of a special report
    finding: Mapped[str | None] = mapped_column(String(32), nullable=True)       # special: clean | violations
    record_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)               # of the signed PDF as issued
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    citation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    issued_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    # the language it was issued in (zh | en): the stored signed bytes are in it, so a report is one PDF
    lang: Mapped[str] = mapped_column(String(8), nullable=False, default="zh", server_default="zh")
    # the detached SM2/SM3 seal (DER r, s) over `content`, when issued with XINYONG_SEAL_ALGORITHMS=pades,sm2
    sm2_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # the GB/T 38540 sealed signature (SES_Signature, DER) of `content`, issued with it (reports.eseal)
    ses_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class ReportVerification(Base):
    __tablename__ = "report_verifications"
    __table_args__ = (Index("ix_report_verifications_subject", "subject_id", "at"),
                      Index("ix_report_verifications_report", "report_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    method: Mapped[str] = mapped_column(String(8), nullable=False)            # code | file
    code: Mapped[str | None] = mapped_column(String(64), nullable=True)       # as given / as found in the file
    report_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    subject_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    outcome: Mapped[str] = mapped_column(String(32), nullable=False)          # authentic | not_found | tampered | ...
    signature_valid: Mapped[bool | None] = mapped_column(nullable=True)
    hash_matches: Mapped[bool | None] = mapped_column(nullable=True)
    uploaded_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    client: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    user_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    details: Mapped[dict] = mapped_column(Json, nullable=False, default=dict)
