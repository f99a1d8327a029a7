"""WebAuthn passkeys: a second factor instead of a TOTP code, registered by the member herself.

The ceremonies are py_webauthn's: the server hands out options with a fresh challenge (kept
in ``passkey_challenges``, bound to the web session that asked, used once, five minutes), the
browser's authenticator answers, and the answer is verified against the challenge, the
relying party id (the server's host name) and the origin. Stored per credential: its id, its
COSE public key, its sign count and transports. An assertion whose sign count does not
exceed the stored one is refused and recorded: it is what a cloned authenticator looks like.
Attestation is not asked for (``none``): the team trusts its members' own devices, not a
vendor list, and asking would reveal the device model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from haechi.audit.trail import AuditKind, record
from haechi.members.errors import MemberError, NotAllowed, SignInRefused
from haechi.members.model import Actor
from haechi.members.signin import SignedIn, complete, fail_second_step, pending_member
from haechi.store.member_models import MemberRow
from haechi.store.private_models import PasskeyChallengeRow, PasskeyRow

RP_NAME = "haechi"
CHALLENGE_VALID = timedelta(minutes=5)
REGISTER = "register"
SIGNIN = "signin"
MAX_NAME = 100


@dataclass(frozen=True)
class RelyingParty:
    """Who asks: the server's host name (the RP id) and the origin pages are served from."""

    rp_id: str
    origin: str


@dataclass(frozen=True)
class Passkey:
    """A member's passkey as listed (never its key)."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    transports: tuple[str, ...]

    @classmethod
    def from_row(cls, row: PasskeyRow) -> Passkey:
        return cls(
            row.id, row.name, row.created_at, row.last_used_at, tuple(json.loads(row.transports))
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "transports": list(self.transports),
        }


def _keep_challenge(
    session: Session, web_session_id: int, purpose: str, challenge: bytes, now: datetime
) -> None:
    _drop_challenges(session, web_session_id, purpose)
    session.add(
        PasskeyChallengeRow(
            web_session_id=web_session_id,
            purpose=purpose,
            challenge=bytes_to_base64url(challenge),
            expires_at=now + CHALLENGE_VALID,
        )
    )
    session.flush()


def _drop_challenges(session: Session, web_session_id: int, purpose: str) -> None:
    session.execute(
        delete(PasskeyChallengeRow).where(
            PasskeyChallengeRow.web_session_id == web_session_id,
            PasskeyChallengeRow.purpose == purpose,
        )
    )


def _take_challenge(session: Session, web_session_id: int, purpose: str, now: datetime) -> bytes:
    """The challenge handed to this session for ``purpose``; it can be used only once."""
    row = session.scalar(
        select(PasskeyChallengeRow)
        .where(
            PasskeyChallengeRow.web_session_id == web_session_id,
            PasskeyChallengeRow.purpose == purpose,
        )
        .order_by(PasskeyChallengeRow.id.desc())
        .limit(1)
    )
    _drop_challenges(session, web_session_id, purpose)
    if row is None or now >= row.expires_at:
        raise MemberError("ask for new passkey options: the challenge is unknown or expired")
    return base64url_to_bytes(row.challenge)


def _descriptors(session: Session, member_id: int) -> list[PublicKeyCredentialDescriptor]:
    rows = session.scalars(select(PasskeyRow).where(PasskeyRow.member_id == member_id))
    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(r.credential_id),
            transports=[AuthenticatorTransport(t) for t in json.loads(r.transports)],
        )
        for r in rows
    ]


def _own_session(actor: Actor) -> tuple[int, int]:
    if actor.member_id is None or actor.session_id is None:
        raise NotAllowed("passkeys are registered by a signed-in member in her browser")
    return actor.member_id, actor.session_id


def registration_options(
    session: Session, actor: Actor, rp: RelyingParty, *, now: datetime
) -> dict[str, Any]:
    """Options for ``navigator.credentials.create`` (JSON); the challenge kept for the session."""
    member_id, web_session_id = _own_session(actor)
    member = session.get(MemberRow, member_id)
    assert member is not None
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=RP_NAME,
        user_name=member.name,
        user_id=f"haechi-member-{member.id}".encode(),
        exclude_credentials=_descriptors(session, member.id),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    _keep_challenge(session, web_session_id, REGISTER, options.challenge, now)
    found: dict[str, Any] = json.loads(options_to_json(options))
    return found


def register(
    session: Session,
    actor: Actor,
    credential: dict[str, Any],
    rp: RelyingParty,
    *,
    name: str = "",
    now: datetime,
) -> Passkey:
    """Verify the authenticator's answer to the registration options and keep the passkey."""
    member_id, web_session_id = _own_session(actor)
    challenge = _take_challenge(session, web_session_id, REGISTER, now)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise MemberError(f"the passkey could not be verified: {exc}") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if session.scalar(select(PasskeyRow.id).where(PasskeyRow.credential_id == credential_id)):
        raise MemberError("this passkey is registered already")
    response = credential.get("response")
    given = response.get("transports", []) if isinstance(response, dict) else []
    transports = [t for t in given if t in {x.value for x in AuthenticatorTransport}]
    row = PasskeyRow(
        member_id=member_id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=json.dumps(transports),
        name=(name.strip() or "passkey")[:MAX_NAME],
        created_at=now,
    )
    session.add(row)
    session.flush()
    record(
        session,
        AuditKind.PASSKEY_ADDED,
        actor,
        subject=(member_id, actor.name),
        detail={"passkey": row.id, "name": row.name},
        now=now,
    )
    return Passkey.from_row(row)


def list_passkeys(session: Session, member_id: int) -> list[Passkey]:
    """A member's passkeys, oldest first."""
    rows = session.scalars(
        select(PasskeyRow).where(PasskeyRow.member_id == member_id).order_by(PasskeyRow.id)
    )
    return [Passkey.from_row(r) for r in rows]


def remove(session: Session, actor: Actor, passkey_id: int, *, now: datetime) -> None:
    """Remove one of the actor's own passkeys."""
    row = session.get(PasskeyRow, passkey_id)
    if row is None or row.member_id != actor.member_id:
        raise NotAllowed("no such passkey of yours")
    session.delete(row)
    record(
        session,
        AuditKind.PASSKEY_REMOVED,
        actor,
        subject=(row.member_id, actor.name),
        detail={"passkey": passkey_id, "name": row.name},
        now=now,
    )


def signin_options(
    session: Session, pending_id: int, rp: RelyingParty, *, address: str, now: datetime
) -> dict[str, Any]:
    """Options for ``navigator.credentials.get`` after the password step (JSON)."""
    pending, member = pending_member(session, pending_id, address, now)
    allowed = _descriptors(session, member.id)
    if not allowed:
        raise SignInRefused("no passkey is registered for this account: use your code")
    options = generate_authentication_options(
        rp_id=rp.rp_id,
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _keep_challenge(session, pending.id, SIGNIN, options.challenge, now)
    found: dict[str, Any] = json.loads(options_to_json(options))
    return found


def signin(
    session: Session,
    pending_id: int,
    credential: dict[str, Any],
    rp: RelyingParty,
    *,
    address: str,
    user_agent: str = "",
    now: datetime,
) -> SignedIn:
    """The second step with a passkey: verify the assertion, then sign in as with a code.

    A failure counts towards the lock-out like a wrong code; a sign count that did not grow is
    also recorded as ``passkey.refused`` (a cloned authenticator looks like that).
    """
    pending, member = pending_member(session, pending_id, address, now)
    try:
        challenge = _take_challenge(session, pending.id, SIGNIN, now)
    except MemberError:
        raise fail_second_step(session, member, address, now) from None
    raw_id = credential.get("rawId") or credential.get("id")
    row = session.scalar(
        select(PasskeyRow).where(
            PasskeyRow.member_id == member.id, PasskeyRow.credential_id == str(raw_id)
        )
    )
    if row is None:
        raise fail_second_step(session, member, address, now)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            credential_public_key=row.public_key,
            credential_current_sign_count=row.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        if "sign count" in str(exc):
            record(
                session,
                AuditKind.PASSKEY_REFUSED,
                Actor.anonymous(address),
                subject=(member.id, member.name),
                detail={"passkey": row.id, "reason": "sign count did not grow"},
                now=now,
            )
        raise fail_second_step(session, member, address, now) from None
    row.sign_count = verified.new_sign_count
    row.last_used_at = now
    return complete(
        session, pending, member, "passkey", address=address, user_agent=user_agent, now=now
    )
