"""Errors of the public transparency report: a period that cannot be read, a threshold lowered
below the floor, a report that does not exist or cannot be published."""

from __future__ import annotations

from haechi.errors import ConfigError, HaechiError


class TransparencyError(HaechiError):
    """A transparency report that does not exist, or an action it refuses."""


class PeriodError(ConfigError):
    """A period that is not ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM`` (exit code 2, 400 on the web)."""


class ThresholdError(ConfigError):
    """A suppression threshold below the floor: cells may be hidden more, never less."""
