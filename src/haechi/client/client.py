"""The typed client: local hashing with haechi's own PDQ code, retries, a timeout.

Hashes are computed on the platform's machine (PDQ of all eight turns and mirror images, MD5,
SHA-256) with :mod:`haechi.hashing`, the same code the team registers with, so the bytes never
leave. Requests are retried on connection errors, 429 and 503 (honouring ``Retry-After``, at
most ``max_wait`` seconds) with a per-request timeout.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx


class HaechiClientError(Exception):
    """The API refused the call (status and its message) or could not be reached."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Match:
    """One shared entry a hash matched."""

    match_id: int
    signal: str
    distance: int
    bank: str


@dataclass(frozen=True)
class CheckResult:
    """Whether anything matched, and what: matches of every hash sent, nearest first."""

    match: bool
    matches: tuple[Match, ...]
    pdq: str | None = None
    quality: int | None = None


def _matches(answers: list[dict[str, Any]]) -> tuple[Match, ...]:
    seen: dict[int, Match] = {}
    for answer in answers:
        for m in answer["matches"]:
            got = Match(int(m["match_id"]), str(m["signal"]), int(m["distance"]), str(m["bank"]))
            if got.match_id not in seen or seen[got.match_id].distance > got.distance:
                seen[got.match_id] = got
    return tuple(sorted(seen.values(), key=lambda m: (m.distance, m.match_id)))


def _retry_after(value: str | None) -> float:
    """Seconds to wait from ``Retry-After`` (seconds, or an HTTP date); 1 if absent or odd."""
    if value is None:
        return 1.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 1.0
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _detail(got: httpx.Response) -> str:
    try:
        loaded = got.json()
    except ValueError:
        return got.text
    return str(loaded.get("detail", got.text)) if isinstance(loaded, dict) else got.text


class HaechiClient:
    """Check uploads against a haechi server's shared banks with an API key."""

    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        timeout: float = 5.0,
        retries: int = 3,
        max_wait: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.retries = retries
        self.max_wait = max_wait
        self._http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {key}"},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> HaechiClient:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        last: str = ""
        for attempt in range(self.retries + 1):
            try:
                got = self._http.request(method, path, **kw)
            except httpx.TransportError as exc:
                last = f"cannot reach the haechi server: {exc}"
                if attempt < self.retries:
                    time.sleep(min(self.max_wait, 0.2 * 2**attempt))
                continue
            if got.status_code in (429, 503) and attempt < self.retries:
                wait = _retry_after(got.headers.get("retry-after"))
                if wait > self.max_wait:
                    raise HaechiClientError(_detail(got), got.status_code)
                last = _detail(got)
                time.sleep(wait)
                continue
            if got.status_code >= 400:
                raise HaechiClientError(_detail(got), got.status_code)
            return got.json()
        raise HaechiClientError(last or "the haechi server kept refusing: try later")

    def lookup(self, signal_type: str, hashes: list[str], *, dihedral: bool = False) -> CheckResult:
        """Look hashes of one type (``pdq``, ``md5``, ``sha256``) up, up to 1,000 a call."""
        body = {"signal_type": signal_type, "signals": hashes, "dihedral": dihedral}
        answers = self._call("POST", "/api/v1/lookup/batch", json=body)["answers"]
        found = _matches(answers)
        return CheckResult(bool(found), found)

    def check_image(self, data: bytes) -> CheckResult:
        """Hash an image here (PDQ in eight variants, MD5, SHA-256) and look the hashes up."""
        from haechi.hashing.decode import decode_image
        from haechi.hashing.pdq import pdq_dihedral

        variants = pdq_dihedral(decode_image(data).pixels)
        answers: list[dict[str, Any]] = []
        for signal_type, signals in (
            ("pdq", [v.hex for v in variants]),
            ("md5", [hashlib.md5(data, usedforsecurity=False).hexdigest()]),
            ("sha256", [hashlib.sha256(data).hexdigest()]),
        ):
            body = {"signal_type": signal_type, "signals": signals}
            answers += self._call("POST", "/api/v1/lookup/batch", json=body)["answers"]
        found = _matches(answers)
        return CheckResult(bool(found), found, variants[0].hex, variants[0].quality)

    def lookup_video(self, frames: list[str]) -> CheckResult:
        """Look a video up by its frames' PDQ hashes (vPDQ, hashed here, up to 20,000)."""
        got = self._call("POST", "/api/v1/lookup/video", json={"frames": frames})
        found = tuple(
            Match(int(m["match_id"]), "vpdq", int(m["distance"]), str(m["bank"]))
            for m in got["matches"]
        )
        return CheckResult(bool(got["match"]), found)

    def feedback(
        self, match_id: int, verdict: str, signal_type: str, signal: str, note: str = ""
    ) -> str:
        """Report a match as ``confirmed``, ``false_positive`` or ``removed``; its state."""
        body = {
            "match_id": match_id,
            "verdict": verdict,
            "signal_type": signal_type,
            "signal": signal,
            "note": note,
        }
        return str(self._call("POST", "/api/v1/feedback", json=body)["state"])
