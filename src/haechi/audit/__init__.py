"""The audit trail: an append-only, hash-chained record of what members did."""

from haechi.audit.trail import (
    AuditEvent,
    AuditKind,
    ChainReport,
    events,
    iter_events,
    record,
    verify_chain,
)

__all__ = [
    "AuditEvent",
    "AuditKind",
    "ChainReport",
    "events",
    "iter_events",
    "record",
    "verify_chain",
]
