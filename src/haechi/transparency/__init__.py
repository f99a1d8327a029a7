"""The public transparency report (issue 21): how platforms answered the group's notices, for
the public, journalists and lawmakers, without anything that could identify a victim.

Per host platform and period (a year, a quarter or a month): notices sent, items reported,
median and 90th-percentile hours to removal, the share never removed, re-uploads after
removal and escalations to the regulator, and the same month by month. The pieces:
:mod:`period` (what a period is, in the organisation's time zone), :mod:`figures` (one
window's figures, counted in SQL by :mod:`haechi.store.transparency`), :mod:`suppression`
(small cells hidden, and any cell that would give one back), :mod:`report` (the public
content), :mod:`charts` (SVG), :mod:`render` (HTML in Korean and English, CSV, JSON),
:mod:`signing` (the signed manifest), :mod:`service` (make, publish, withdraw).
"""

from __future__ import annotations

from haechi.transparency.errors import PeriodError, ThresholdError, TransparencyError
from haechi.transparency.period import DEFAULT_ZONE, Period, Window, parse_period
from haechi.transparency.suppression import DEFAULT_THRESHOLD

__all__ = [
    "DEFAULT_THRESHOLD",
    "DEFAULT_ZONE",
    "Period",
    "PeriodError",
    "ThresholdError",
    "TransparencyError",
    "Window",
    "parse_period",
]
