"""One page of a sorted list: every list of the team's pages is paginated and sortable.

The sort keys a list offers are named (``ref``, ``opened``); an unknown one is a clear error
rather than a silent default, so a link that names a key gets that order or a 400.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from haechi.errors import HaechiError

T = TypeVar("T")

PER_PAGE = 50
MAX_PER_PAGE = 500


class ListingError(HaechiError):
    """A page or sort order that a list does not have."""

    exit_code = 2


@dataclass(frozen=True)
class Page(Generic[T]):
    """The items of one page, and where it sits in the whole list."""

    items: list[T]
    total: int
    page: int
    per_page: int
    sort: str
    descending: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def order(self) -> str:
        """``desc`` or ``asc``, as a link or the JSON API names the order."""
        return "desc" if self.descending else "asc"

    def meta(self) -> dict[str, Any]:
        """The page's place, as the JSON API gives it beside the items."""
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "sort": self.sort,
            "order": self.order,
        }


def _key(get: Callable[[T], Any]) -> Callable[[T], tuple[bool, Any]]:
    def key(item: T) -> tuple[bool, Any]:
        value = get(item)
        return (value is None, value if value is not None else 0)

    return key


def paginate(
    items: Sequence[T],
    keys: Mapping[str, Callable[[T], Any]],
    *,
    sort: str,
    order: str = "asc",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[T]:
    """Sort ``items`` by the named key (empty values last) and cut out one page."""
    if sort not in keys:
        raise ListingError(f"unknown sort {sort!r}; choices: {', '.join(keys)}")
    if order not in ("asc", "desc"):
        raise ListingError("order is asc or desc")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ListingError(f"pages count from 1, with 1 to {MAX_PER_PAGE} items each")
    descending = order == "desc"
    present = [i for i in items if keys[sort](i) is not None]
    missing = [i for i in items if keys[sort](i) is None]
    ordered = sorted(present, key=_key(keys[sort]), reverse=descending) + missing
    start = (page - 1) * per_page
    return Page(ordered[start : start + per_page], len(items), page, per_page, sort, descending)
