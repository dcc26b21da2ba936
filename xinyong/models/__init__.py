"""ORM models, one file per aggregate. Importing this package registers every table."""
from xinyong.models.base import Base
from xinyong.models.account import ApiToken, IdentityRequest, LoginThrottle, PasswordReset, User, WebSession
from xinyong.models.agency import Agency
from xinyong.models.subject import Subject, SubjectName
from xinyong.models.batch import Batch, BatchRejection
from xinyong.models.record import Record
from xinyong.models.history import History
from xinyong.models.access import AccessLog, Authorisation, QueryItem
from xinyong.models.audit import AuditCheckpoint, AuditEntry, AuditHead
from xinyong.models.catalogue import CatalogueEntry
from xinyong.models.procedure import CalendarDay, CalendarYear, Deadline, Document, FeedEvent, Notification
# one module per procedure / capability; each registers its tables on import
from xinyong.models import (objection, repair, listing, complaint, feed,  # noqa: F401,E402
                            measure, commitment, evaluation, report, declaration, bulletin,
                            transparency, worker, outbox, peer, upstream,
                            local_catalogue, credit_service, market)
from xinyong.models import ratelimit  # noqa: F401,E402  (rate-limit buckets shared by the web nodes)

__all__ = ["Base", "ApiToken", "IdentityRequest", "PasswordReset", "LoginThrottle", "User", "WebSession", "Agency", "Subject", "SubjectName", "Batch", "BatchRejection", "Record", "History",
           "AccessLog", "Authorisation", "QueryItem", "AuditCheckpoint", "AuditEntry", "AuditHead", "CatalogueEntry",
           "CalendarDay", "CalendarYear", "Deadline", "Document", "FeedEvent", "Notification"]
