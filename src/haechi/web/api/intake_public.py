"""``/api/v1/intake``: victims' registration as JSON, for a partner's own page.

A partner (a support centre's site, a helpline's app) hashes files in its visitor's browser with
``/static/intake/hash.js`` and posts the hashes here, guarded as the ``/intake`` pages are: a
proof-of-work answer to a fresh challenge (or a one-time intake link), rate limits per address,
the same checks of every hash. The answer carries the case number and the recovery phrase,
once; the server keeps only their hashes. No session, no cookie: any site may call these two
(the middleware answers them to every origin and lets cross-site posts through, since there is
no ambient credential to forge with).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from haechi.intake import service
from haechi.intake.errors import IntakeError
from haechi.intake.model import MAX_FRAMES, MAX_ITEMS, Choice
from haechi.web.deps import Now, address
from haechi.web.routes.intake import config_of, register_hashes

router = APIRouter(tags=["intake (public)"])

Hex32 = Annotated[str, Field(pattern="^[0-9a-fA-F]{32}$")]
Hex64 = Annotated[str, Field(pattern="^[0-9a-fA-F]{64}$")]
Quality = Annotated[int, Field(ge=0, le=100, strict=True)]


class FrameIn(BaseModel):
    """One frame a second of a video: its second and its PDQ hash."""

    model_config = ConfigDict(extra="forbid")
    second: float = Field(ge=0, lt=10**7)
    pdq: Hex64
    quality: Quality


class ItemIn(BaseModel):
    """The hashes of one file, as ``hashImage`` or ``hashVideo`` gives them (plus its kind)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["image", "video"]
    md5: Hex32
    sha256: Hex64
    pdq: Hex64 | None = None  # images
    quality: Quality | None = None  # images
    frames: list[FrameIn] | None = Field(None, max_length=MAX_FRAMES)  # videos; null: unreadable


class SubmissionIn(BaseModel):
    """Hashes, her choices, and the proof: a solved challenge or a one-time intake link."""

    model_config = ConfigDict(extra="forbid")
    items: list[ItemIn] = Field(min_length=1, max_length=MAX_ITEMS)
    choices: list[Literal["notify", "share", "police", "link"]] = Field([], max_length=4)
    challenge: str = Field("", max_length=64)
    nonce: str = Field("", max_length=32)
    link: str = Field("", max_length=100)


class ChallengeOut(BaseModel):
    """Find a nonce whose ``SHA-256(challenge + ":" + nonce)`` starts with ``bits`` zero bits."""

    challenge: str
    bits: int


class NoteOut(BaseModel):
    file: int
    code: str
    value: int
    message: str


class KitOut(BaseModel):
    """Her case number and recovery phrase (given this once, never again), and what became of
    her files: entries made, files folded into another, notes (low quality, folded, ...)."""

    case_number: str
    recovery_phrase: str
    entries: int
    folded: int
    notes: list[NoteOut]


def _refused(exc: IntakeError) -> HTTPException:
    return HTTPException(exc.status, str(exc))


@router.post("/intake/challenge")
def new_challenge(request: Request, now: Now) -> ChallengeOut:
    """A proof-of-work challenge for one submission (good once, for ten minutes)."""
    try:
        value, bits = service.challenge(
            request.app.state.db, address=address(request), now=now, config=config_of(request)
        )
    except IntakeError as exc:
        raise _refused(exc) from None
    return ChallengeOut(challenge=value, bits=bits)


@router.post("/intake/submissions", status_code=201)
def submit(request: Request, body: SubmissionIn, now: Now) -> KitOut:
    """Register the hashes; the answer carries her case number and recovery phrase once."""
    items = [item.model_dump() for item in body.items]
    proof = service.Proof(body.challenge, body.nonce, body.link)
    try:
        kit = register_hashes(request, items, [Choice(c).value for c in body.choices], proof, now)
    except IntakeError as exc:
        raise _refused(exc) from None
    return KitOut.model_validate(kit.as_json())


@router.options("/intake/challenge", include_in_schema=False)
@router.options("/intake/submissions", include_in_schema=False)
def preflight() -> Response:
    """A partner's page posts JSON from its own origin: its browser asks first."""
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        },
    )
