"""The one place that says which roles may do what (datasette's registered actions).

Every route names its action through :func:`haechi.web.deps.require`; a test walks the app's
routes and checks that each non-public one does, and that each action named is here.
Probation may sign in, see who she is and manage her own sessions: nothing else.
"""

from __future__ import annotations

from haechi.members.model import Role

EVERYONE = frozenset(Role)
ADMINS = frozenset({Role.ADMIN})
AUDITORS = frozenset({Role.ADMIN, Role.AUDITOR})
ANALYSTS = frozenset({Role.ADMIN, Role.ANALYST})
JOB_READERS = frozenset({Role.ADMIN, Role.ANALYST, Role.AUDITOR})
KEEPERS = frozenset({Role.ADMIN, Role.LIAISON})  # victims' personal data
MEDIA_VIEWERS = frozenset({Role.ADMIN, Role.ANALYST, Role.REVIEWER})  # previews, screenshots
REGISTRARS = frozenset({Role.ADMIN, Role.ANALYST, Role.LIAISON})  # victims' pictures, as hashes
CASEWORKERS = frozenset({Role.ADMIN, Role.LIAISON, Role.ANALYST, Role.AUDITOR})  # read cases
NOTICE_READERS = CASEWORKERS
TEAM = frozenset(Role) - {Role.PROBATION}  # statistics: counts, no media, no personal data

ACTIONS: dict[str, frozenset[Role]] = {
    "home.view": EVERYONE,  # who you are
    "me.read": EVERYONE,
    "session.sign_out": EVERYONE,
    "sessions.read": EVERYONE,  # one's own sessions
    "sessions.revoke": EVERYONE,  # one's own sessions
    "members.read": ADMINS,
    "members.invite": ADMINS,
    "members.role": ADMINS,
    "members.suspend": ADMINS,
    "audit.read": AUDITORS,
    "audit.export": AUDITORS,
    "settings.read": EVERYONE,  # one's own language and time zone
    "settings.update": EVERYONE,
    "jobs.read": JOB_READERS,  # scheduled runs and scans, their progress and results
    "jobs.scan": ANALYSTS,  # ask the server to scan a URL
    "cases.personal.read": KEEPERS,  # every view audited
    "cases.personal.write": KEEPERS,
    "cases.personal.find": KEEPERS,  # by phone or e-mail, through the blind index
    "cases.read": CASEWORKERS,  # list, page: entries, hits, notices, reports, consent
    "cases.open": KEEPERS,  # a new case under a pseudonymous reference
    "cases.consent": KEEPERS,  # may evidence be kept, may the police learn her name; audited
    "cases.close": KEEPERS,  # as she chooses: withdraw hashes, destroy evidence; audited
    "notices.read": NOTICE_READERS,  # the board, drafts per platform, the exact e-mail
    "notices.draft": ANALYSTS,  # draft from confirmed hits; discard unsent ones
    "notices.approve": ANALYSTS,  # four eyes: never the drafter (notices/workflow_signoffs)
    "notices.send": ANALYSTS,  # e-mail approved notices (audited)
    "notices.mark": ANALYSTS,  # submitted, acknowledged, removed, refused, no answer
    "platforms.read": TEAM,  # the platform directory: domains, contacts, placeholders
    "platforms.edit": ANALYSTS,  # add a platform, change one (as `haechi platforms add/edit`)
    "reports.read": CASEWORKERS,  # police reports and their waiting clock
    "reports.make": KEEPERS,  # make a case's package; record handover and answer
    "reports.download": KEEPERS,  # the package zip carries the evidence itself; audited
    "stats.read": TEAM,  # per platform removal times, never removed, re-uploads; CSV
    "passkeys.read": EVERYONE,  # one's own passkeys
    "passkeys.register": EVERYONE,
    "passkeys.remove": EVERYONE,
    "platform_api.keys.read": ADMINS,  # platforms' API keys: limits, use, flags; never secrets
    "platform_api.keys.manage": ADMINS,  # make a key (shown once), revoke one; audited
    "platform_api.feedback.read": frozenset({Role.ADMIN, Role.REVIEWER, Role.ANALYST}),
    "platform_api.feedback.decide": frozenset({Role.ADMIN, Role.REVIEWER}),  # negative bank
    "platform_api.stats.read": JOB_READERS,  # per platform: lookups, matches, removals
    "dashboard.view": TEAM,  # counts only, each linking to its list
    "hits.read": TEAM,  # the review queue and hit pages: match evidence, never media
    "hits.review": MEDIA_VIEWERS,  # confirm or reject
    "media.view": MEDIA_VIEWERS,  # blurred previews and screenshots; a reveal is audited
    "evidence.download": ANALYSTS,  # a hit's WARC and WACZ (audited)
    "bundles.download": ANALYSTS,  # a platform's bundle: evidence sealed, pages redacted; audited
    "routing.read": TEAM,  # who can act on a URL: the route kept for its host, asks no one
    "routing.lookup": ANALYSTS,  # ask DNS and the registries now (paced, cached, never private)
    "review.policy": ADMINS,  # the auto-confirm policy
    "trust.reports.read": TEAM,  # impersonation reports from the public
    "trust.reports.close": TEAM,
    "trust.channels.read": TEAM,  # the official-channels registry
    "trust.channels.manage": ADMINS,  # what the signed registry publishes; audited
    "trust.credentials.read": ADMINS,  # members' signed credentials and their codes
    "trust.credentials.manage": ADMINS,  # issue and revoke (the status list); audited
    "banks.read": REGISTRARS,
    "banks.register": REGISTRARS,  # upload pictures (hashed in memory; consent for a case)
    "banks.withdraw": REGISTRARS,  # for good, audited
    "banks.import": ANALYSTS,
    "banks.export": ANALYSTS,  # audited
    "watches.read": JOB_READERS,
    "watches.manage": ANALYSTS,
    "intake.review": MEDIA_VIEWERS,  # approve victims' own hashes before any is shared
    "intake.links": KEEPERS,  # a one-time intake link for a victim at the centre; audited
    "transparency.read": TEAM,  # public reports made: figures already suppressed, codes
    "transparency.make": ANALYSTS,  # compute, render and sign a period's public report
    "transparency.publish": ADMINS,  # show one on /transparency, or withdraw it; audited
    "timeline.read": TEAM,  # an entry's sightings across platforms and what was done
    "timeline.case": CASEWORKERS,  # the same for a case's entries and hits
    "links.read": TEAM,  # accounts that carried the same content, with the evidence ids
    "links.export": ANALYSTS,  # GraphML/JSON for the police; audited
}

PUBLIC_PATHS = frozenset(
    {
        "/signin",
        "/signin/code",
        "/signin/passkey/options",  # the passkey second step: the password step's session
        "/signin/passkey",
        "/join/{token}",
        "/demo/signin/{token}",  # only on `haechi demo`'s server: a one-time sign-in link
        "/health",
        "/healthz",
        "/readyz",
        "/metrics",  # guarded by a bearer token or loopback-only (web/routes/probes.py)
        "/static",
        "/api/v1/openapi.json",
        "/verify",  # the public verify page (haechi.trust): documents, codes, channels
        "/verify/report",  # impersonation reports: rate-limited, cross-origin checked
        "/api/v1/verify",  # the verify page's check as JSON: rate-limited with the page
        "/.well-known/did.json",
        "/.well-known/haechi-status.json",
        "/.well-known/haechi-channels.json",
        "/intake",  # victims register hashes computed in their browser (haechi.intake)
        "/intake/start/{token}",  # a one-time link a support centre opened
        "/intake/select",
        "/intake/challenge",  # proof-of-work; submissions are rate-limited per address
        "/intake/submit",
        "/intake/recover",  # wrong phrases throttled per address and per case
        "/intake/withdraw",
        "/api/v1/intake/challenge",  # the same guard as the pages, for partners' own pages
        "/api/v1/intake/submissions",
        "/transparency",  # published public reports only (haechi.transparency)
        "/transparency/{period}",
        "/transparency/{period}/{name}",  # a published report's signed files, as downloads
        "/api/v1/transparency",  # the same published reports as JSON
        "/api/v1/transparency/{period}",  # a published report's signed report.json
    }
)
"""Routes anyone may reach: signing in, joining by invitation, health, static files, schema."""

KEY_PATHS = frozenset(
    {
        "/api/v1/lookup",
        "/api/v1/lookup/batch",
        "/api/v1/lookup/video",
        "/api/v1/lookup/image",
        "/api/v1/feedback",
        "/m/lookup",  # HMA-compatible
    }
)
"""Routes for platforms' servers: an API key, never a session, names each one's scope through
``haechi.platform_api.web.require_key`` (the routes meta-test checks it)."""


def allowed(action: str, role: Role) -> bool:
    """Whether ``role`` may do ``action``; an unknown action is allowed to no one."""
    return role in ACTIONS.get(action, frozenset())
