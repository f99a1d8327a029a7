"""Members of the team server: accounts, two factors, sessions, invites; services, no HTTP.

Import the submodules: :mod:`~haechi.members.service` (accounts, roles, invites),
:mod:`~haechi.members.signin` (the two steps of signing in, throttled) and
:mod:`~haechi.members.sessions` (server-side sessions). Every service takes the database
session and the :class:`~haechi.members.model.Actor` acting, so the command line and the web
call the same functions.
"""
