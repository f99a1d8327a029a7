"""Changing the platform directory one entry at a time: add a platform, edit one.

Groups met a new host and had to export the whole directory, edit the file and import it
again. Here one entry is added or changed through the same checks as a file entry
(:func:`~haechi.notices.platforms.platform_from`), so the directory stays as valid as an
imported one. Importing files is :meth:`~haechi.store.notices.PlatformStore.save`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from haechi.notices.desk import Desk
from haechi.notices.errors import PlatformError
from haechi.notices.platforms import Platform, platform_from
from haechi.store.database import Database
from haechi.store.notices import PlatformStore


def list_platforms(db: Database) -> list[Platform]:
    """Every platform and regulator, by name: what ``haechi platforms list`` and ``/platforms``
    show."""
    with db.session() as session:
        return PlatformStore(session).all()


def get_platform(db: Database, name: str) -> Platform:
    """One platform by name, or :class:`PlatformError` (``no platform named ...``)."""
    with db.session() as session:
        return PlatformStore(session).get(name)


def is_overseas(platform: Platform, home_country: str) -> bool:
    """Whether a platform sits outside the organisation's country (its notices travel
    abroad, and its regulator is not ours)."""
    return platform.country != home_country.upper()


def add_platform(desk: Desk, fields: Mapping[str, Any]) -> Platform:
    """Add a new platform from ``fields`` (the keys of a directory file entry)."""
    platform = platform_from(fields, "the new platform")
    with desk.db.session() as session:
        store = PlatformStore(session)
        if platform.name in {p.name for p in store.all()}:
            raise PlatformError(
                f"a platform {platform.name!r} exists already; change it with "
                f"`haechi platforms edit {platform.name}`"
            )
        store.save([platform], desk.clock())
    return platform


def edit_platform(desk: Desk, name: str, changes: Mapping[str, Any]) -> Platform:
    """Change some fields of platform ``name``; the rest stay as they are.

    Giving a real contact does not by itself clear ``placeholder``: the person says so
    (``placeholder = false``), having checked the contact.
    """
    with desk.db.session() as session:
        store = PlatformStore(session)
        current = store.get(name)
        merged = {**current.as_json(), **changes, "name": name}
        platform = platform_from(merged, f"platform {name!r}")
        store.save([platform], desk.clock())
    return platform


def new_placeholders(existing: Sequence[Platform], imported: Sequence[Platform]) -> list[str]:
    """Names of imported placeholders that were not in the directory before.

    Warned about once, when they arrive, rather than on every import of the same file.
    """
    known = {p.name for p in existing}
    return [p.name for p in imported if p.placeholder and p.name not in known]
