"""Following content across platforms: re-upload timelines and uploader/channel links.

- :mod:`~.sightings`: every hit with its platform, country, accounts, captures, notices and
  removal, read from what the database already holds;
- :mod:`~.timeline`: one entry's or one case's events in time order;
- :mod:`~.accounts`, :mod:`~.links`: the accounts behind sightings, linked when they carried
  the same content, with the evidence, and their clusters;
- :mod:`~.chart`, :mod:`~.graph_chart`, :mod:`~.png`, :mod:`~.exports`: SVG, PNG, GraphML, JSON.
"""

from __future__ import annotations

from haechi.tracking.accounts import Account, AccountKind
from haechi.tracking.errors import NotTracked, TrackingError
from haechi.tracking.links import Cluster, ItemEvidence, Link, LinkKind, LinkMap, link_map
from haechi.tracking.sightings import CountryLookup, Sighting, load_sightings
from haechi.tracking.timeline import (
    Event,
    EventKind,
    Timeline,
    case_timeline,
    entry_timeline,
    timeline_of,
)

__all__ = [
    "Account",
    "AccountKind",
    "Cluster",
    "CountryLookup",
    "Event",
    "EventKind",
    "ItemEvidence",
    "Link",
    "LinkKind",
    "LinkMap",
    "NotTracked",
    "Sighting",
    "Timeline",
    "TrackingError",
    "case_timeline",
    "entry_timeline",
    "link_map",
    "load_sightings",
    "timeline_of",
]
