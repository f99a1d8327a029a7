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
                time.sleep(min(self.max_wait, 0.2 * 2**attempt))
                continue
            if got.status_code in (429, 503) and attempt < self.retries:
                wait = float(got.headers.get("retry-after", "1"))
                if wait > self.max_wait:
                    raise HaechiClientError(got.json().get("detail", got.text), got.status_code)
                time.sleep(wait)
                continue
            if got.status_code >= 400:
                try:
                    detail = got.json().get("detail", got.text)
                except ValueError:
                    detail = got.text
                raise HaechiClientError(str(detail), got.status_code)
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
        found = _matches(
            self._call(
                "POST",
                "/api/v1/lookup/batch",
                json={"signal_type": "pdq", "signals": [v.hex for v in variants]},
            )["answers"]
            + self._call(
                "POST",
                "/api/v1/lookup/batch",
                json={
                    "signal_type": "sha256",
                    "signals": [hashlib.sha256(data).hexdigest()],
                },
            )["answers"]
        )
        return CheckResult(bool(found), found, variants[0].hex, variants[0].quality)

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
