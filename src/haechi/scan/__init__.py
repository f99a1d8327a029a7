"""The scan pipeline: sources to media, media to signals, signals to hits."""

from haechi.scan.model import FileOutcome, Hit, ScanReport

__all__ = ["FileOutcome", "Hit", "ScanReport"]
