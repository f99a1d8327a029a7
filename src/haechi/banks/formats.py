"""Hash-list files for exchanging banks with partners.

Four formats, each with a stable short name:

``hma``
    One signal per line, ``<signal type> <value>``, as read by the local-file exchange of
    Meta's python-threatexchange and HMA. A video's MD5 and SHA-256 are ``video_md5`` and
    ``video_sha256``, threatexchange's names, which it matches as videos. threatexchange has
    no digest type for photos (its ``PhotoMD5Signal``, ``photo_md5``, went in 2022), so a
    picture's digests are written ``photo_md5`` and ``photo_sha256``: threatexchange and HMA
    skip type names they do not know, and take the picture by its ``pdq`` line, instead of
    matching its bytes as a video; haechi reads them back as digests. An entry of digests
    alone (a file that could not be decoded) keeps the video names, as before. ``md5`` and
    ``sha256`` are read too. The format has no labels and no grouping: each line imports as
    its own entry. A video's frame hashes are a ``vpdq`` line whose value is HMA's: a JSON
    list of ``"pdq_hex,quality,timestamp"``. HMA knows only these kinds, so ``pdq-crop`` and
    ``orb`` signals are left out.
``json``
    ``{"format": "haechi.bank", "version": 1, "entries": [...]}`` with signals, every kind
    included (an ``orb`` value is its record as base64 text).
``csv``
    One row per signal: ``entry,added_at,kind,value,quality`` (+ ``label``, ``case_ref``),
    every kind included, written through :mod:`haechi.csv_cells` so no cell is a formula.
``vpdq``
    Meta's vPDQ feature file of one video (``frame_number,quality,pdq_hex,timestamp`` per
    line), as Meta's ``vpdq`` tools and ``haechi hash --frames`` write it: it imports as one
    entry, and a bank exports to it only when it holds exactly one video. A file in this form
    is recognised by its content, whatever its name (``.txt`` is also the HMA signal file's).

Files written before ``pdq-crop`` and ``orb`` existed read as before: their entries simply
have no such signals, and are matched by PDQ and digests only.

Labels and case references never leave the organisation unless asked for (``with_labels``,
``with_case_refs``): a label is whatever a support worker typed, often a victim's name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from haechi.banks.model import BankEntry, NewEntry
from haechi.csv_cells import read_csv, write_csv
from haechi.errors import ImportFormatError
from haechi.hashing.signals import Signal, SignalKind
from haechi.hashing.video_format import looks_like_vpdq

FORMATS = ("hma", "json", "csv", "vpdq")
JSON_FORMAT_NAME = "haechi.bank"
JSON_VERSION = 1

_HMA_VIDEO = {SignalKind.PDQ: "pdq", SignalKind.MD5: "video_md5", SignalKind.SHA256: "video_sha256"}
_HMA_PHOTO = {SignalKind.PDQ: "pdq", SignalKind.MD5: "photo_md5", SignalKind.SHA256: "photo_sha256"}
_HMA_KINDS = frozenset({*_HMA_VIDEO, SignalKind.VPDQ})
_HMA_READ = {
    "pdq": SignalKind.PDQ,
    "video_md5": SignalKind.MD5,
    "photo_md5": SignalKind.MD5,
    "md5": SignalKind.MD5,
    "video_sha256": SignalKind.SHA256,
    "photo_sha256": SignalKind.SHA256,
    "sha256": SignalKind.SHA256,
}
_CSV_FIELDS = ["entry", "added_at", "kind", "value", "quality"]


def guess_format(filename: str, text: str | None = None) -> str:
    """The format a file suggests: ``.json`` and ``.csv`` by name; any other name by content
    when given (a vPDQ feature file is ``vpdq``), else ``hma``."""
    lower = filename.lower()
    if lower.endswith(".json"):
        return "json"
    if lower.endswith(".csv"):
        return "csv"
    if text is not None and looks_like_vpdq(text):
        return "vpdq"
    return "hma"


def export_entries(
    entries: Iterable[BankEntry],
    fmt: str,
    with_case_refs: bool = False,
    with_local_features: bool = False,
    with_labels: bool = False,
) -> str:
    """Render entries in one of :data:`FORMATS`.

    Labels stay home unless ``with_labels`` (the module docstring says why). Local-features
    records (``orb``) stay home unless ``with_local_features``: keypoint descriptors with
    positions can be partly inverted into a coarse picture, so they go only to partners
    trusted with that.
    """
    if not with_local_features:
        entries = [_without_local_features(e) for e in entries]
    if fmt == "hma":
        return "".join(line + "\n" for e in entries for line in _hma_lines(e))
    if fmt == "vpdq":
        videos = [s for e in entries for s in e.signals if s.kind is SignalKind.VPDQ]
        if len(videos) != 1:
            raise ImportFormatError(
                f"a vpdq file holds one video, and these entries hold {len(videos)}; "
                "use json or hma for a whole bank"
            )
        return videos[0].value
    if fmt == "json":
        items = []
        for e in entries:
            item: dict[str, Any] = {"id": e.id}
            if with_labels:
                item["label"] = e.label
            item |= {
                "added_at": e.added_at.isoformat(),
                "signals": [
                    {"kind": s.kind.value, "value": s.value, "quality": s.quality}
                    for s in e.signals
                ],
            }
            if with_case_refs:
                item["case_ref"] = e.case_ref
            items.append(item)
        doc = {"format": JSON_FORMAT_NAME, "version": JSON_VERSION, "entries": items}
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        fields = [
            *_CSV_FIELDS,
            *(["label"] if with_labels else []),
            *(["case_ref"] if with_case_refs else []),
        ]
        rows = []
        for e in entries:
            for s in e.signals:
                row: dict[str, Any] = {
                    "entry": e.id,
                    "added_at": e.added_at.isoformat(),
                    "kind": s.kind.value,
                    "value": s.value,
                    "quality": "" if s.quality is None else s.quality,
                }
                if with_labels:
                    row["label"] = e.label
                if with_case_refs:
                    row["case_ref"] = e.case_ref or ""
                rows.append(row)
        return write_csv(fields, rows)
    raise ImportFormatError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def _without_local_features(entry: BankEntry) -> BankEntry:
    kept = tuple(s for s in entry.signals if not s.kind.is_local)
    return replace(entry, signals=kept)


def _signal(kind: str, value: str, quality: Any, where: str) -> Signal:
    try:
        q = None if quality in (None, "") else int(quality)
        if q is not None and not 0 <= q <= 100:
            raise ValueError(f"quality {q} is outside 0-100")
        return Signal.parse(kind, value, q)
    except (ValueError, TypeError) as exc:
        raise ImportFormatError(f"{where}: {exc}") from None


def _hma_lines(entry: BankEntry) -> list[str]:
    """An entry's lines: a picture's digests under photo names, anything else's video names."""
    kinds = {s.kind for s in entry.signals}
    picture = SignalKind.PDQ in kinds and not any(k.is_video for k in kinds)
    names = _HMA_PHOTO if picture else _HMA_VIDEO
    lines = []
    for signal in entry.signals:
        if signal.kind is SignalKind.VPDQ:
            lines.append(f"vpdq {signal.video().to_hma()}")
        elif signal.kind in names:
            lines.append(f"{names[signal.kind]} {signal.value}")
    return lines


def _hma_video(value: str, where: str) -> Signal:
    from haechi.hashing.video_format import VideoSignature

    try:
        return Signal.of_video(VideoSignature.from_hma(value))
    except ValueError as exc:
        raise ImportFormatError(f"{where}: {exc}") from None


def _when(text: Any, where: str) -> datetime | None:
    if text in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(text))
    except ValueError:
        raise ImportFormatError(f"{where}: {text!r} is not an ISO 8601 time") from None
    if when.tzinfo is None:
        raise ImportFormatError(f"{where}: time {text!r} has no timezone")
    return when


def parse_entries(text: str, fmt: str, label: str = "") -> list[NewEntry]:
    """Parse a hash-list file; :class:`ImportFormatError` names the first bad line.

    A vPDQ feature file given as ``hma`` (the two share ``.txt``) is read as what it is.
    """
    if fmt == "hma" and looks_like_vpdq(text):
        fmt = "vpdq"
    if fmt == "hma":
        entries = []
        for n, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            kind_name, _, value = line.partition(" ")
            if kind_name.lower() == "vpdq":
                entries.append(NewEntry((_hma_video(value, f"line {n}"),), label))
                continue
            kind = _HMA_READ.get(kind_name.lower())
            if kind is None:
                known = ", ".join(sorted(_HMA_READ))
                raise ImportFormatError(f"line {n}: unknown signal type {kind_name!r} ({known})")
            entries.append(NewEntry((_signal(kind.value, value, None, f"line {n}"),), label))
        return entries
    if fmt == "vpdq":
        return [NewEntry((_signal(SignalKind.VPDQ.value, text, None, "vpdq file"),), label)]
    if fmt == "json":
        return _parse_json(text, label)
    if fmt == "csv":
        return _parse_csv(text, label)
    raise ImportFormatError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def _parse_json(text: str, label: str) -> list[NewEntry]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != JSON_FORMAT_NAME:
        raise ImportFormatError(f'not a haechi bank file (expected "format": "{JSON_FORMAT_NAME}")')
    if doc.get("version") != JSON_VERSION:
        raise ImportFormatError(f"bank file version {doc.get('version')!r} is not supported")
    entries = []
    for n, item in enumerate(doc.get("entries") or [], 1):
        where = f"entry {n}"
        if not isinstance(item, dict) or not isinstance(item.get("signals"), list):
            raise ImportFormatError(f"{where}: needs a list of signals")
        signals = []
        for s in item["signals"]:
            if not isinstance(s, dict):
                raise ImportFormatError(f"{where}: a signal must be an object")
            signals.append(
                _signal(str(s.get("kind", "")), str(s.get("value", "")), s.get("quality"), where)
            )
        if not signals:
            raise ImportFormatError(f"{where}: has no signals")
        entries.append(
            NewEntry(
                tuple(signals),
                str(item.get("label") or label),
                item.get("case_ref") or None,
                _when(item.get("added_at"), where),
            )
        )
    return entries


def _parse_csv(text: str, label: str) -> list[NewEntry]:
    fields, rows = read_csv(text)
    missing = {"kind", "value"} - set(fields)
    if missing:
        raise ImportFormatError(f"CSV lacks the column(s) {', '.join(sorted(missing))}")
    grouped: dict[str, list[Signal]] = {}
    meta: dict[str, dict[str, str]] = {}
    for n, row in enumerate(rows, 2):
        key = (row.get("entry") or "").strip() or f"row{n}"
        grouped.setdefault(key, []).append(
            _signal(row.get("kind") or "", row.get("value") or "", row.get("quality"), f"row {n}")
        )
        meta.setdefault(key, {k: v or "" for k, v in row.items() if k})
    return [
        NewEntry(
            tuple(signals),
            meta[key].get("label") or label,
            meta[key].get("case_ref") or None,
            _when(meta[key].get("added_at"), f"entry {key}"),
        )
        for key, signals in grouped.items()
    ]
