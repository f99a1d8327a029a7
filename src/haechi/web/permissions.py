"""The one place that says which roles may do what (datasette's registered actions).

Every route names its action through :func:`haechi.web.deps.require`; a test walks the app's
routes and checks that each non-public one does, and that each action named is here.
Probation may sign in, see who she is and manage her own sessions: nothing else.
"""

from __future__ import annotations

from haechi.members.model import Role

EVERYONE = frozenset(Role)
ADMINS = frozenset({Role.ADMIN})
AUDITORS = frozenset({Role.ADMIN, Role.AUDITOR})

ACTIONS: dict[str, frozenset[Role]] = {
    "home.view": EVERYONE,  # who you are
    "me.read": EVERYONE,
    "session.sign_out": EVERYONE,
    "sessions.read": EVERYONE,  # one's own sessions
    "sessions.revoke": EVERYONE,  # one's own sessions
    "members.read": ADMINS,
    "members.invite": ADMINS,
    "members.role": ADMINS,
    "members.suspend": ADMINS,
    "audit.read": AUDITORS,
    "audit.export": AUDITORS,
}

PUBLIC_PATHS = frozenset(
    {
        "/signin",
        "/signin/code",
        "/join/{token}",
        "/health",
        "/healthz",
        "/readyz",
        "/metrics",  # guarded by a bearer token or loopback-only (web/routes/probes.py)
        "/static",
        "/api/v1/openapi.json",
    }
)
"""Routes anyone may reach: signing in, joining by invitation, health, static files, schema."""


def allowed(action: str, role: Role) -> bool:
    """Whether ``role`` may do ``action``; an unknown action is allowed to no one."""
    return role in ACTIONS.get(action, frozenset())
