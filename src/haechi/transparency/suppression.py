"""Small-cell suppression: no count small enough to single out a person, and none that can be
worked out again from the counts left in the report.

Primary suppression hides every count from 1 to ``threshold - 1`` (zero singles out no one).
The report's counts are tied by sums: a platform's months add up to its period, the platforms
add up to all platforms, and items reported = removed + never removed. A hidden cell that is
the only hidden one of such a sum is the total minus the others; two hidden cells whose known
sum is small are each known to be small. So complementary suppression hides more cells of
such a sum (the smallest counts above zero: the cells a reader needs most are the large ones;
the total when only zeros are left), until in every sum either nothing is hidden, or the
total is hidden too, or at least two cells are hidden holding together at least the
threshold. Then a reader who solves the sums one by one learns no hidden count, nor that one
is below the threshold.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from haechi.transparency.errors import ThresholdError

DEFAULT_THRESHOLD = 5
"""Counts below this are hidden; a report may raise it, never lower it."""


def check_threshold(threshold: int) -> int:
    """``threshold`` if it is at least :data:`DEFAULT_THRESHOLD`."""
    if threshold < DEFAULT_THRESHOLD:
        raise ThresholdError(
            f"the suppression threshold can be raised, never lowered below {DEFAULT_THRESHOLD} "
            f"(asked for {threshold})"
        )
    return threshold


@dataclass(frozen=True)
class Relation:
    """``total`` is the sum of ``parts`` (cell keys)."""

    parts: tuple[Hashable, ...]
    total: Hashable


def primary(values: Mapping[Hashable, int], threshold: int) -> set[Hashable]:
    """The cells whose count is above zero and below ``threshold``."""
    return {key for key, value in values.items() if 0 < value < threshold}


def _pick(cells: Sequence[Hashable], values: Mapping[Hashable, int]) -> Hashable | None:
    # The smallest count above zero (it adds to what the hidden cells of the sum hold
    # together at the least cost to the reader); ties by order, so the result is stable.
    positive = [c for c in cells if values[c] > 0]
    if not positive:
        return None
    order = {key: i for i, key in enumerate(cells)}
    return min(positive, key=lambda k: (values[k], order[k]))


def exposed(
    relation: Relation, values: Mapping[Hashable, int], hidden: set[Hashable], threshold: int
) -> bool:
    """Whether ``relation`` gives too much away: a single hidden cell (it is the total minus
    the others), or, with the total shown, hidden parts that together hold fewer than
    ``threshold`` (their sum is known, and so is that each is that small)."""
    cells = (*relation.parts, relation.total)
    count = sum(1 for c in cells if c in hidden)
    if count == 0 or count == len(cells):
        return False
    if count == 1:
        return True
    if relation.total in hidden:
        return False
    return sum(values[p] for p in relation.parts if p in hidden) < threshold


def suppress(
    values: Mapping[Hashable, int], relations: Iterable[Relation], threshold: int
) -> set[Hashable]:
    """Every cell to hide: the small ones, and enough others that none can be recomputed."""
    hidden = primary(values, threshold)
    relations = list(relations)
    changed = True
    while changed:
        changed = False
        for relation in relations:
            if not exposed(relation, values, hidden, threshold):
                continue
            shown = [c for c in relation.parts if c not in hidden]
            chosen = _pick(shown, values)
            if chosen is None:  # only zeros are left to hide: hide the total instead
                chosen = relation.total if relation.total not in hidden else shown[0]
            # (exposed() holds only while some cell of the relation is still shown)
            hidden.add(chosen)
            changed = True
    return hidden


def recoverable(
    values: Mapping[Hashable, int], relations: Iterable[Relation], hidden: set[Hashable]
) -> dict[Hashable, int]:
    """What a reader can work out of ``hidden`` by solving the sums one by one (the check the
    tests make of every report): hidden cells that are the only unknown of a sum."""
    known = {k: v for k, v in values.items() if k not in hidden}
    relations = list(relations)
    found: dict[Hashable, int] = {}
    progress = True
    while progress:
        progress = False
        for relation in relations:
            cells = (*relation.parts, relation.total)
            unknown = [c for c in cells if c not in known]
            if len(unknown) != 1:
                continue
            cell = unknown[0]
            rest = sum(known[p] for p in relation.parts if p != cell)
            known[cell] = rest if cell == relation.total else known[relation.total] - rest
            found[cell] = known[cell]
            progress = True
    return found
