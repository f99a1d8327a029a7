"""What a victim's browser sends, checked: her choices and the hashes of her files.

The page sends hashes only (PDQ with its quality, MD5 and SHA-256 of each image; MD5,
SHA-256 and one frame PDQ a second of each video). Anything else is refused with a message
that says what is wrong, never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from haechi.cases.personal import Consent
from haechi.intake.errors import IntakeError

MAX_ITEMS = 50
MAX_FRAMES = 4 * 3600  # one a second: four hours of video
_HEX = {"pdq": 64, "md5": 32, "sha256": 64}


class Choice(StrEnum):
    """What the victim lets the team do; monitoring is always done."""

    MONITOR = "monitor"  # look for copies and tell her what was found
    NOTIFY = "notify"  # ask platforms to take copies down
    SHARE = "share"  # share the hashes with platforms (after a reviewer's approval)
    POLICE = "police"  # help her make a police report
    LINK = "link"  # at a support centre: link to the case the centre keeps for her

    @property
    def consent(self) -> Consent | None:
        """The consent this choice gives on a team case's personal data."""
        return {
            Choice.NOTIFY: Consent.TAKEDOWN,
            Choice.SHARE: Consent.HASH_SHARING,
            Choice.POLICE: Consent.POLICE,
        }.get(self)


def parse_choices(values: Sequence[str]) -> frozenset[Choice]:
    """Choices by name (monitoring always included), or a clear error."""
    out = {Choice.MONITOR}
    for value in values:
        try:
            out.add(Choice(str(value).strip()))
        except ValueError:
            names = ", ".join(c.value for c in Choice)
            raise IntakeError(f"unknown choice {value!r}; choices: {names}") from None
    return frozenset(out)


@dataclass(frozen=True)
class Frame:
    """One sampled frame of a video: its second and its PDQ hash."""

    second: float
    pdq: str
    quality: int


@dataclass(frozen=True)
class Item:
    """The hashes of one file the victim chose."""

    kind: str  # image or video
    md5: str
    sha256: str
    pdq: str | None = None
    quality: int | None = None
    frames: tuple[Frame, ...] | None = None  # None: her browser could not decode the video


def _hex(doc: Mapping[str, Any], key: str, where: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not re.fullmatch(f"[0-9a-fA-F]{{{_HEX[key]}}}", value):
        raise IntakeError(f"{where}: {key} must be {_HEX[key]} hexadecimal digits")
    return value.lower()


def _quality(doc: Mapping[str, Any], where: str) -> int:
    value = doc.get("quality")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
        raise IntakeError(f"{where}: quality must be a whole number from 0 to 100")
    return value


def _frames(raw: Any, where: str) -> tuple[Frame, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > MAX_FRAMES:
        raise IntakeError(f"{where}: frames must be a list of at most {MAX_FRAMES}")
    frames = []
    for n, doc in enumerate(raw):
        at = f"{where} frame {n + 1}"
        if not isinstance(doc, dict):
            raise IntakeError(f"{at}: expected an object")
        second = doc.get("second")
        if (
            not isinstance(second, int | float)
            or isinstance(second, bool)
            or not (0 <= second < 10**7)
        ):
            raise IntakeError(f"{at}: second must be a number of seconds")
        frames.append(Frame(float(second), _hex(doc, "pdq", at), _quality(doc, at)))
    return tuple(frames)


def parse_items(raw: Any) -> list[Item]:
    """The list of file hashes of a submission, or a clear error naming the item."""
    if not isinstance(raw, list) or not raw:
        raise IntakeError("choose at least one file; its hashes are what is registered")
    if len(raw) > MAX_ITEMS:
        raise IntakeError(f"at most {MAX_ITEMS} files at a time; send the rest afterwards")
    items = []
    for n, doc in enumerate(raw):
        where = f"file {n + 1}"
        if not isinstance(doc, dict):
            raise IntakeError(f"{where}: expected an object of hashes")
        kind = doc.get("kind")
        if kind == "image":
            items.append(
                Item(
                    "image",
                    _hex(doc, "md5", where),
                    _hex(doc, "sha256", where),
                    _hex(doc, "pdq", where),
                    _quality(doc, where),
                )
            )
        elif kind == "video":
            frames = _frames(doc.get("frames"), where)
            items.append(
                Item("video", _hex(doc, "md5", where), _hex(doc, "sha256", where), frames=frames)
            )
        else:
            raise IntakeError(f"{where}: kind must be image or video")
    return items
