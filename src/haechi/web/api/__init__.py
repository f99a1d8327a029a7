"""The JSON API (``/api/v1``): the same services as the pages, answering JSON.

Signed in by the same session cookie as the pages; state-changing calls carry the session's
CSRF token in ``X-CSRF-Token`` (``GET /api/v1/me`` gives it).
"""

from fastapi import APIRouter

from haechi.web.api import audit, jobs, me, members, private, settings
from haechi.web.api import cases as cases_api
from haechi.web.api import intake as intake_api
from haechi.web.api import intake_public as intake_public_api
from haechi.web.api import notices as notices_api
from haechi.web.api import platforms as platforms_api
from haechi.web.api import register as register_api
from haechi.web.api import reports as reports_api
from haechi.web.api import review as review_api
from haechi.web.api import routing as routing_api
from haechi.web.api import stats as stats_api
from haechi.web.api import tracking as tracking_api
from haechi.web.api import transparency as transparency_api
from haechi.web.api import trust as trust_api

router = APIRouter()
router.include_router(me.router)
router.include_router(members.router)
router.include_router(audit.router)
router.include_router(jobs.router)
router.include_router(settings.router)
router.include_router(private.router)
router.include_router(review_api.router)
router.include_router(register_api.router)
router.include_router(cases_api.router)  # after private: /cases/{ref}/personal is its own
router.include_router(notices_api.router)
router.include_router(platforms_api.router)
router.include_router(reports_api.router)
router.include_router(stats_api.router)
router.include_router(tracking_api.router)
router.include_router(transparency_api.router)  # public: published reports only
router.include_router(intake_api.router)
router.include_router(intake_public_api.router)  # no session: partners' pages post here
router.include_router(trust_api.router)
router.include_router(routing_api.router)

__all__ = ["router"]
