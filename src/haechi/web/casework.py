"""What the casework pages and API share: a desk acting as the signed-in member, the status
a refused action answers with and its error page (the query of a paginated, sorted list is in
:mod:`haechi.web.params`)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from haechi.casework.paging import ListingError
from haechi.errors import ConfigError, HaechiError
from haechi.members.errors import NotAllowed
from haechi.members.model import Actor
from haechi.notices.desk import Desk
from haechi.notices.errors import (
    CaseError,
    DeliveryError,
    IllegalTransition,
    NoticeError,
    PlatformError,
    ReportError,
)
from haechi.notices.workflow_signoffs import FourEyesRefused
from haechi.web.i18n import N_
from haechi.web.pages import render


def desk_for(request: Request, actor: Actor) -> Desk:
    """The notice and report services' desk over the server's database, clock and settings,
    acting as ``actor`` (audited as her)."""
    from haechi.jobs.kinds import desk_of

    desk = desk_of(request.app.state.db, request.app.state.settings, request.app.state.clock)
    desk.actor = actor
    return desk


def status_of(exc: HaechiError) -> int:
    """The HTTP status of a refused casework action."""
    if isinstance(exc, NotAllowed | FourEyesRefused):
        return 403
    if isinstance(exc, IllegalTransition):
        return 409
    if isinstance(exc, DeliveryError):
        return 502
    unknown = ("no case", "no notice", "no police report", "no platform")
    if isinstance(exc, CaseError | NoticeError | ReportError | PlatformError) and str(
        exc
    ).startswith(unknown):
        return 404
    if isinstance(exc, ListingError | ConfigError):
        return 400
    return 422


def refused_page(request: Request, exc: HaechiError) -> Response:
    """The error page for a refused casework action, with :func:`status_of`'s status."""
    return render(request, "error.html", {"message": str(exc)}, status_of(exc))


def acted(request: Request, act: Callable[[], object], location: str) -> Response:
    """Do a casework action, then show ``location`` (303); or the refusal page if refused."""
    try:
        act()
    except HaechiError as exc:
        return refused_page(request, exc)
    return RedirectResponse(location, status_code=303)


# Words the casework pages show from the services' vocabularies (notice statuses, kinds,
# marks, review decisions), marked for the catalogues.
SHOWN = (
    N_("drafted"),
    N_("approved"),
    N_("sent"),
    N_("acknowledged"),
    N_("removed"),
    N_("refused"),
    N_("no-answer"),
    N_("discarded"),
    N_("submitted"),
    N_("takedown"),
    N_("repeat"),
    N_("block-request"),
    N_("confirmed"),
    N_("rejected"),
)
