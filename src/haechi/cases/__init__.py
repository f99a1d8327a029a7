"""Cases: a victim's bank entries, hits, captures, notices and police reports under a
pseudonymous reference (never her name), and the police report package made from them.

Personal data (names, contacts) comes later with the web app's encrypted store; nothing here
holds any. The modules that use the stores are exported lazily (see :mod:`haechi.notices`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from haechi.cases.model import Case, CaseMember, MemberKind, PoliceReport
from haechi.cases.references import check_reference, new_reference

if TYPE_CHECKING:
    from haechi.cases.police import (
        ReportPackage,
        due_reminders,
        make_police_report,
        record_answer,
        remind,
    )
    from haechi.cases.service import CaseView, add_to_case, new_case, show_case

_LAZY = {
    "ReportPackage": "police",
    "due_reminders": "police",
    "make_police_report": "police",
    "record_answer": "police",
    "remind": "police",
    "CaseView": "service",
    "add_to_case": "service",
    "new_case": "service",
    "show_case": "service",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'haechi.cases' has no attribute {name!r}")
    return getattr(importlib.import_module(f"haechi.cases.{module}"), name)


__all__ = [
    "Case",
    "CaseMember",
    "CaseView",
    "MemberKind",
    "PoliceReport",
    "ReportPackage",
    "add_to_case",
    "check_reference",
    "due_reminders",
    "make_police_report",
    "new_case",
    "new_reference",
    "record_answer",
    "remind",
    "show_case",
]
