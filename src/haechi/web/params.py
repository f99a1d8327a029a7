"""The shapes of request parameters that the pages and the JSON API share, so that a bound
changes in one place: a row's id or a bank's name in a path, and a paginated, sorted list's
query."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

# No row has an id past SQL integers: a larger one is a 422, not a database error.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
BankName = Annotated[str, Path(min_length=1, max_length=100)]

PageNo = Annotated[int, Query(ge=1, le=1_000_000)]
PerPage = Annotated[int, Query(ge=1, le=500)]
SortKey = Annotated[str, Query(max_length=20, pattern=r"^[a-z_]*$")]
Order = Annotated[str, Query(pattern=r"^(asc|desc)?$")]
