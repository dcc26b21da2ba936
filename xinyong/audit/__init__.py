"""The tamper-evident audit log (QZ art. 14-15, FZ art. 12): who did what, when, to what.

    from xinyong.audit import record_event
    record_event(session, principal, "agency.register", target_type="agency", target_id=agency.id)

Entries are hash-chained per chain (subject_id % XINYONG_AUDIT_CHAINS, chain 0 for events
about no subject); checkpoints sign every chain head with the platform's Ed25519 key;
`verify` recomputes everything and names the first bad entry.
"""
from xinyong.audit.rules import AuditDetailsError, redact
from xinyong.audit.service import command_line_actor, create_checkpoint, record_event, verify
from xinyong.audit.verification import Problem, VerifyReport

__all__ = ["AuditDetailsError", "Problem", "VerifyReport", "command_line_actor", "create_checkpoint",
           "record_event", "redact", "verify"]
