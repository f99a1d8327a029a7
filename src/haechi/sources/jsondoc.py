"""Reading JSON export files that may have been made to break the reader.

Telegram and Discord exports are written by tools a perpetrator can imitate. Python's parser
recurses once per nesting level, so a ``result.json`` of 200,000 ``[`` ends in
``RecursionError``, and a file of many gigabytes exhausts memory. :func:`load_json` refuses
both before parsing: the size from ``stat``, the nesting depth from a linear scan of the
brackets outside strings (vectorised with NumPy, not a Python loop over each byte). Real
exports nest a handful of levels; the limit leaves ample room.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from haechi.sources.errors import SourceError, SourceFormatError
from haechi.sources.paths import open_regular

MAX_JSON_BYTES = 512 * 1024 * 1024
MAX_JSON_DEPTH = 100

_QUOTE = ord('"')
_OPEN = (ord("["), ord("{"))
_CLOSE = (ord("]"), ord("}"))
_CHUNK = 1024 * 1024


def nesting_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings ignored).

    For text that is not valid JSON the answer is only an estimate; the parser rejects it anyway.
    """
    # Escapes go first (pairs of backslashes left to right, then escaped quotes); after that a
    # bracket is inside a string exactly when an odd number of quotes precedes it.
    unescaped = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    codes = np.frombuffer(unescaped, dtype=np.uint8)
    deepest, level, quotes = 0, 0, 0
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start : start + _CHUNK]
        seen = np.cumsum(chunk == _QUOTE, dtype=np.int64) + quotes
        outside = (seen & 1) == 0
        opens = ((chunk == _OPEN[0]) | (chunk == _OPEN[1])) & outside
        closes = ((chunk == _CLOSE[0]) | (chunk == _CLOSE[1])) & outside
        levels = np.cumsum(opens.astype(np.int64) - closes.astype(np.int64)) + level
        deepest = max(deepest, int(levels.max()))
        level, quotes = int(levels[-1]), int(seen[-1])
    return deepest


def parse_json(
    data: bytes, name: str, *, max_depth: int = MAX_JSON_DEPTH, encoding: str = "utf-8-sig"
) -> Any:
    """Parse JSON ``data`` (named ``name`` in errors), refusing nesting beyond ``max_depth``.

    Raises :class:`SourceFormatError` for anything that is not JSON within the limits.
    """
    depth = nesting_depth(data)
    if depth > max_depth:
        raise SourceFormatError(
            f"{name}: JSON nested {depth} levels deep, more than the {max_depth} an export has"
        )
    try:
        return json.loads(data.decode(encoding))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise SourceFormatError(f"{name}: not readable JSON ({exc})") from exc


def load_json(
    path: Path, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """The parsed JSON of an export file, within size and depth limits.

    Raises :class:`SourceError` when the file cannot be read and :class:`SourceFormatError`
    when it is too large, too deep or not JSON.
    """
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise SourceFormatError(
                    f"{path}: {size} bytes of JSON, more than the {max_bytes} haechi reads"
                )
            data = handle.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise SourceError(f"{path}: no such file") from exc
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:  # grew while being read
        raise SourceFormatError(f"{path}: more than the {max_bytes} bytes of JSON haechi reads")
    return parse_json(data, str(path), max_depth=max_depth)
