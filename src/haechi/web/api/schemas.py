"""The JSON shapes of the API, so its OpenAPI schema says what each answer holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class MemberOut(BaseModel):
    id: int
    name: str
    role: str
    status: str
    created_at: datetime


class MeOut(BaseModel):
    member: MemberOut
    session_id: int
    csrf_token: str  # for the X-CSRF-Token header of state-changing requests


class SessionOut(BaseModel):
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    address: str
    user_agent: str
    current: bool


class InviteOut(BaseModel):
    link: str
    expires_at: datetime


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    kind: str
    actor_id: int | None
    actor: str
    subject_id: int | None
    subject: str
    address: str
    detail: dict[str, Any]
    prev_hash: str
    row_hash: str


class ChainOut(BaseModel):
    rows: int
    ok: bool
    broken_id: int | None
    reason: str


class AuditOut(BaseModel):
    chain: ChainOut
    events: list[AuditEventOut]
