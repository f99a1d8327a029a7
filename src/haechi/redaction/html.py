"""Redacting HTML without breaking it: text nodes and attributes, through a real parser.

The page is parsed by lxml (libxml2's HTML parser, which copes with the broken markup of
real boards as browsers do) and walked element by element: each text node, the page title,
comments, script text (JSON-LD and inline data carry names) and every attribute value (``alt``,
``title``, ``aria-label``, ``content`` of ``<meta>``, ``href`` to her profile, ``data-*``)
goes through the same text redactor, and the tree is written back, so a marker can never
open or close a tag. Style sheets are left as they are (no personal data lives there, and
``@media`` is not an account). A plain-text rendering of the page (its title, then its visible
text) is what most recipients read: :func:`html_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import lxml.html  # type: ignore[import-untyped]
from lxml import etree

from haechi.redaction.statement import Statement, marker_for
from haechi.redaction.terms import Terms
from haechi.redaction.text import Redacted, Redactor

_DOCUMENT = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype|html|head|body)\b", re.I | re.S)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", re.I)
_SKIP_TEXT = frozenset({"style"})
_STRUCTURAL = frozenset(
    {
        "class",
        "id",
        "style",
        "type",
        "rel",
        "charset",
        "lang",
        "dir",
        "width",
        "height",
        "method",
        "target",
        "crossorigin",
        "integrity",
    }
)
_URL_ATTRIBUTES = frozenset({"href", "src", "srcset", "action", "cite", "poster", "data"})
URL_MARKER = "[REDACTED]"  # ASCII: a serialiser would percent-encode a Korean marker in a URL
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head"})


def decode_html(data: bytes, declared: str | None = None) -> str:
    """HTML bytes as text: the declared charset, else the page's ``<meta>``, else UTF-8, else
    CP949 (Korean boards still serve EUC-KR)."""
    names = [declared] if declared else []
    meta = _META_CHARSET.search(data[:4096])
    if meta:
        names.append(meta.group(1).decode("ascii"))
    for name in [*names, "utf-8", "cp949"]:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def looks_like_html(text: str) -> bool:
    """Whether a file's text is HTML (a document or a fragment with tags)."""
    return bool(_DOCUMENT.match(text)) or bool(re.search(r"<[a-zA-Z][^>]*>", text[:4096]))


def _parse(markup: str) -> tuple[etree._Element, bool]:
    if _DOCUMENT.match(markup):
        return lxml.html.document_fromstring(markup), True
    return lxml.html.fragment_fromstring(markup, create_parent="div"), False


def _serialise(root: etree._Element, document: bool, doctype: bool) -> str:
    if document and doctype:
        tree = root.getroottree()
        text: str = lxml.html.tostring(
            tree, encoding="unicode", method="html", doctype=tree.docinfo.doctype
        )
        return text
    inner: str = lxml.html.tostring(root, encoding="unicode", method="html")
    if document:  # libxml2 adds a doctype the page did not have: write none
        return inner
    # strip the <div> fragment_fromstring put around the fragment
    return re.sub(r"^<div>|</div>$", "", inner)


def _part(element: etree._Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else "comment"
    if tag == "title":
        return "title"
    if tag in ("figcaption", "caption"):
        return "caption"
    return "text"


def redact_markup(markup: str, redactor: Redactor) -> Redacted:
    """``markup`` with its text nodes and attributes redacted; the markup itself unchanged."""
    if not markup.strip():
        return Redacted(markup, Statement())
    try:
        root, document = _parse(markup)
    except (etree.ParserError, ValueError):
        return redactor.redact(markup)
    mark = redactor.marker or marker_for(markup)
    statement = Statement()

    def run(value: str, part: str, marker: str = mark) -> str:
        nonlocal statement
        done = redactor.redact(value, part, marker)
        statement = statement + done.statement
        return done.text

    for element in root.iter():
        if isinstance(element, etree._ProcessingInstruction):
            continue
        tag = element.tag if isinstance(element.tag, str) else "comment"
        if element.text and tag not in _SKIP_TEXT:
            element.text = run(element.text, _part(element))
        if element.tail:
            parent = element.getparent()
            element.tail = run(element.tail, _part(parent) if parent is not None else "text")
        if tag == "comment":
            continue
        for name, value in list(element.attrib.items()):
            if name.lower() not in _STRUCTURAL and value:
                url = name.lower() in _URL_ATTRIBUTES
                element.set(
                    name, run(value, f"attribute:{name.lower()}", URL_MARKER if url else mark)
                )
    doctype = bool(re.match(r"\s*<!doctype", markup, re.I))
    return Redacted(_serialise(root, document, doctype), statement)


def redact_html(
    markup: str,
    terms: Terms | None = None,
    *,
    patterns: bool = True,
    keep: Iterable[str] = (),
    marker: str | None = None,
) -> Redacted:
    """HTML as it may leave the team (see the module docstring)."""
    return redact_markup(markup, Redactor(terms or Terms(), patterns, tuple(keep), marker))


def html_text(markup: str) -> str:
    """A page's title and visible text, one block per line: its plain-text rendering."""
    try:
        root, _ = _parse(markup)
    except (etree.ParserError, ValueError):
        return markup
    title = root.findtext(".//title") or ""
    lines: list[str] = []
    body = root.find(".//body")
    for element in (body if body is not None else root).iter():
        if not isinstance(element.tag, str):
            continue
        if any(a.tag in _INVISIBLE for a in element.iterancestors() if isinstance(a.tag, str)):
            continue
        if element.tag in _INVISIBLE:
            continue
        if element.text and element.text.strip():
            lines.append(element.text.strip())
        for name in ("alt", "title", "aria-label"):
            if element.get(name):
                lines.append(f"[{name}: {element.get(name)}]")
        parent = element.getparent()
        if (
            element.tail
            and element.tail.strip()
            and parent is not None
            and parent.tag not in _INVISIBLE
        ):
            lines.append(element.tail.strip())
    head = [f"# {title.strip()}", ""] if title.strip() else []
    return "\n".join(head + lines) + "\n"
