"""The link map as files for the police: GraphML (Gephi, yEd, networkx) and JSON.

Both carry the accounts (key, kind, the name people know them by), the links with their kind,
item count and evidence ids (entries, hits, captures) and, in JSON, each item's times and the
clusters. Nothing of a victim: entries are ids, never a bank name, label or case reference.
GraphML is written with the standard library (no graph package for one file format).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from haechi.audit.trail import AuditKind, record
from haechi.members.model import Actor
from haechi.store.database import Database
from haechi.tracking.errors import TrackingError
from haechi.tracking.links import LinkMap

_NS = "http://graphml.graphdrawing.org/xmlns"
_KEYS = (  # id, for, name, type
    ("d0", "node", "kind", "string"),
    ("d1", "node", "label", "string"),
    ("d2", "edge", "kind", "string"),
    ("d3", "edge", "items", "int"),
    ("d4", "edge", "entries", "string"),
    ("d5", "edge", "hits", "string"),
    ("d6", "edge", "captures", "string"),
    ("d7", "edge", "gap_hours", "double"),
    ("d8", "edge", "network", "string"),  # same-network links: the network and its record
)


def _data(parent: ET.Element, key: str, value: object) -> None:
    element = ET.SubElement(parent, "data", key=key)
    element.text = str(value)


def to_graphml(links: LinkMap) -> str:
    """GraphML 1.0 of the linked accounts, an undirected graph; edges keyed by kind."""
    root = ET.Element("graphml", xmlns=_NS)
    for ident, target, name, kind in _KEYS:
        ET.SubElement(root, "key", {"id": ident, "for": target, "attr.name": name,
                                    "attr.type": kind})  # fmt: skip
    graph = ET.SubElement(root, "graph", id="haechi-links", edgedefault="undirected")
    linked = {k for link in links.links for k in (link.a.key, link.b.key)}
    for account in links.accounts:
        if account.key not in linked:
            continue
        node = ET.SubElement(graph, "node", id=account.key)
        _data(node, "d0", account.kind.value)
        _data(node, "d1", account.label)
    for n, link in enumerate(links.links):
        edge = ET.SubElement(graph, "edge", id=f"e{n}", source=link.a.key, target=link.b.key)
        _data(edge, "d2", link.kind.value)
        _data(edge, "d3", len(link.evidence))
        _data(edge, "d4", " ".join(str(e) for ev in link.evidence for e in ev.entries))
        hits = sorted({h for ev in link.evidence for h in (*ev.hits_a, *ev.hits_b)})
        _data(edge, "d5", " ".join(str(h) for h in hits))
        _data(edge, "d6", " ".join(sorted({c for ev in link.evidence for c in ev.captures})))
        if link.evidence:
            _data(edge, "d7", f"{min(ev.gap_hours for ev in link.evidence):.3f}")
        if link.network is not None:
            n_ = link.network
            _data(edge, "d8", f"{n_.network} {n_.name or ''} ({n_.source})".replace("  ", " "))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_json(links: LinkMap) -> str:
    """The JSON document of :meth:`LinkMap.as_json`, indented."""
    return json.dumps(links.as_json(), ensure_ascii=False, indent=2) + "\n"


FORMATS = ("graphml", "json")


def export_links(db: Database, actor: Actor, fmt: str, links: LinkMap) -> str:
    """The link map as ``fmt`` (``graphml`` or ``json``), recorded in the audit trail: it
    leaves the team (the police, another group)."""
    if fmt not in FORMATS:
        raise TrackingError(f"no export format {fmt!r}; use graphml or json")
    text = to_graphml(links) if fmt == "graphml" else to_json(links)
    with db.session() as session:
        record(
            session,
            AuditKind.LINKS_EXPORTED,
            actor,
            detail={"format": fmt, "accounts": len(links.accounts), "links": len(links.links)},
            now=links.generated_at,
        )
    return text
