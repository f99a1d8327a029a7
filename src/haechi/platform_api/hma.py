"""HMA's answer shapes, so that an HMA client works against haechi by changing its base URL.

HMA (Meta's hasher-matcher-actioner) answers ``GET /m/lookup`` with ``TMatchByBank``: bank
name to a list of ``{"bank_content_id": int, "distance": str}``. Its signal type names are
python-threatexchange's (``pdq``, ``video_md5``, ``vpdq``, ...); for ``vpdq`` the distance is
the similarity its vPDQ index prints: the share of query frames matched and, in brackets, the
share of the bank video's frames (``"100%[80%]"``).
"""

from __future__ import annotations

from haechi.platform_api.lookup import Answer, VideoMatch

HMA_TYPES = {
    "pdq": "pdq",
    "md5": "md5",
    "video_md5": "md5",
    "sha256": "sha256",
    "vpdq": "vpdq",
}


def hma_banks(answer: Answer) -> dict[str, list[dict[str, object]]]:
    """HMA's ``TMatchByBank``: bank name to ``{bank_content_id, distance}`` (distance a string)."""
    out: dict[str, list[dict[str, object]]] = {}
    for m in answer.matches:
        out.setdefault(m.bank, []).append(
            {"bank_content_id": m.match_id, "distance": str(m.distance)}
        )
    return out


def hma_video_banks(found: list[VideoMatch]) -> dict[str, list[dict[str, object]]]:
    """``TMatchByBank`` for vPDQ: the distance as HMA's vPDQ index prints its similarity, the
    share of query frames matched and, in brackets, the share of the bank video's frames."""
    out: dict[str, list[dict[str, object]]] = {}
    for m in found:
        distance = f"{100 * m.query_share:.0f}%[{100 * m.bank_share:.0f}%]"
        out.setdefault(m.bank, []).append({"bank_content_id": m.match_id, "distance": distance})
    return out
