"""Health of a running haechi, for the server's ``/healthz`` and ``/readyz``.

``/healthz`` (liveness) only says the process answers: a restart would not help otherwise.
``/readyz`` (readiness) says whether it can do its work now: the database answers at this
haechi's schema, the evidence log is readable and intact at its end, the signing key opens, and
the disk is not nearly full. Each is a plain function returning a typed result; the web layer
turns it into ``200`` or ``503`` with the JSON form as the body.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from haechi.ops.checks import Check
from haechi.settings import Settings
from haechi.store.database import Database, head_revision

MIN_FREE_BYTES = 256 * 1024**2


@dataclass(frozen=True)
class Health:
    """Whether every check held, and each check."""

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return all(c.ok is not False for c in self.checks)

    @property
    def status_code(self) -> int:
        """The HTTP status the route answers with."""
        return 200 if self.ok else 503

    def as_json(self) -> dict[str, Any]:
        """The response body."""
        return {"ok": self.ok, "checks": [c.as_json() for c in self.checks]}


def liveness() -> Health:
    """The process answers (``/healthz``)."""
    return Health((Check("process", True, "answering"),))


def readiness(db: Database, settings: Settings) -> Health:
    """Whether the server can work now (``/readyz``); quick enough for every probe."""
    from haechi.evidence.errors import SigningKeyError
    from haechi.evidence.signing import load_key

    checks: list[Check] = []
    revision = db.revision()
    head = head_revision()
    checks.append(
        Check("database", revision == head, f"schema {revision}; this haechi needs {head}")
    )
    log = settings.home / "evidence" / "log.jsonl"
    checks.append(_log_tail(log))
    key_file = settings.evidence_key_file or settings.home / "evidence" / "signing-key.pem"
    if key_file.exists():
        secret = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
        try:
            load_key(key_file, secret)
            checks.append(Check("signing-key", True, "opens"))
        except SigningKeyError as exc:
            checks.append(Check("signing-key", False, str(exc)))
    else:
        checks.append(Check("signing-key", None, "none yet: made at the first capture"))
    free = shutil.disk_usage(settings.home).free
    checks.append(
        Check("disk", free >= MIN_FREE_BYTES, f"{free // 1024**2} MiB free on the home's disk")
    )
    return Health(tuple(checks))


def _log_tail(path: Path) -> Check:
    """The log's last complete entry parses (the whole chain is doctor's, not a probe's)."""
    from haechi.evidence.log import LogEntry

    if not path.exists():
        return Check("evidence-log", None, "no evidence log yet")
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - 65536))
            tail = handle.read()
    except OSError as exc:
        return Check("evidence-log", False, f"unreadable: {exc.strerror}")
    lines = [line for line in tail.split(b"\n") if line]
    if not lines:
        return Check("evidence-log", True, "empty")
    try:
        entry = LogEntry.parse(lines[-1])
    except (ValueError, KeyError, TypeError):
        return Check("evidence-log", False, "its last line is not a log entry: run `haechi doctor`")
    ok = entry.computed_hash() == entry.hash
    return Check("evidence-log", ok, f"last entry {entry.seq}" + ("" if ok else " was altered"))
