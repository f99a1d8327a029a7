"""Errors of the members' services; the web layer turns them into HTTP answers::

    HaechiError
    └── MemberError           an action on members that cannot be done as asked
        ├── SignInRefused     wrong name, password or code, or throttled: one message for all
        ├── NotAllowed        the actor's role or status does not allow the action
        └── InviteInvalid     an invitation that is unknown, used or expired
"""

from __future__ import annotations

from haechi.errors import HaechiError


class MemberError(HaechiError):
    """A member, invite or session action that cannot be done as asked."""


class SignInRefused(MemberError):
    """A sign-in that did not succeed. The message never says which part was wrong."""


class NotAllowed(MemberError):
    """The actor may not do this."""


class InviteInvalid(MemberError):
    """The invitation link is unknown, already used or expired."""
