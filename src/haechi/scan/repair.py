"""``haechi evidence repair``: settle every hit whose evidence is still pending.

A scan settles pending hits itself before it starts (those never tried, or not tried for an
hour); this is the same work on demand, for all pending hits or the ones named, with the hosts
the analyst allows. Each hit ends captured (its capture ids), gone (when and why) or still
pending (why: a refused host, a timeout, an export moved away).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from haechi.scan.model import EvidenceOutcome
from haechi.scan.preserve import EvidenceKeeper, evidence_config
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.hit_evidence import EvidenceState


@dataclass(frozen=True)
class RepairReport:
    """What a repair did, per hit."""

    outcomes: tuple[EvidenceOutcome, ...]

    def _in(self, state: EvidenceState) -> list[EvidenceOutcome]:
        return [o for o in self.outcomes if o.state == state.value]

    @property
    def captured(self) -> list[EvidenceOutcome]:
        """Hits now sealed."""
        return self._in(EvidenceState.SEALED)

    @property
    def gone(self) -> list[EvidenceOutcome]:
        """Hits whose content had died; each says when it was found so, and why."""
        return self._in(EvidenceState.GONE)

    @property
    def failed(self) -> list[EvidenceOutcome]:
        """Hits still pending, each with the reason (retried by the next repair)."""
        return self._in(EvidenceState.PENDING)


def repair_evidence(
    db: Database,
    settings: Settings,
    allow_hosts: Sequence[str] = (),
    hit_ids: Sequence[int] | None = None,
    keeper: EvidenceKeeper | None = None,
) -> RepairReport:
    """Capture every pending hit (or those of ``hit_ids``) now, or say it is gone or why not."""
    if keeper is not None:
        return RepairReport(tuple(keeper.repair(db, hit_ids)))
    with EvidenceKeeper(evidence_config(settings, allow_hosts)) as own:
        return RepairReport(tuple(own.repair(db, hit_ids)))
