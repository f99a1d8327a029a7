"""What the organisation signs, as W3C Verifiable Credentials 2.0 (unsigned here).

A notice's credential says who sent it, to which platform, when, of what kind, the SHA-256 of
its text, and for each item the URL and the evidence hashes cited; nothing about the victim
(no case, no name, no bank label). A police package's says the same of the package's hits
and files. A member's says her pseudonym, role, the organisation and the validity, and points
at the revocation status list.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from haechi.notices.model import Notice
from haechi.trust.config import TrustConfig
from haechi.trust.statuslist import status_entry
from haechi.trust.timefmt import time_text

CONTEXT = ["https://www.w3.org/ns/credentials/v2"]


def _issuer(config: TrustConfig) -> dict[str, str]:
    return {"id": config.did, "name": config.organisation}


def notice_credential(config: TrustConfig, notice: Notice, sent_at: datetime) -> dict[str, Any]:
    """The credential of a notice sent at ``sent_at``."""
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "HaechiNoticeCredential"],
        "issuer": _issuer(config),
        "validFrom": time_text(sent_at),
        "credentialSubject": {
            "type": "TakedownNotice",
            "notice": notice.id,
            "kind": notice.kind.value,
            "platform": notice.platform,
            "recipient": notice.recipient,
            "date": time_text(sent_at),
            "textSha256": notice.text_sha256,
            "items": [
                {
                    "url": item.url,
                    **({"page": item.page_url} if item.page_url else {}),
                    "sha256": item.sha256,
                    **({"capture": item.capture_id} if item.capture_id else {}),
                }
                for item in notice.items
            ],
        },
    }


def police_credential(
    config: TrustConfig,
    station: str,
    made_at: datetime,
    items: Sequence[Mapping[str, Any]],
    files: Mapping[str, str],
) -> dict[str, Any]:
    """The credential of a police package: station, date, URLs and hashes, file digests."""
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "HaechiPolicePackageCredential"],
        "issuer": _issuer(config),
        "validFrom": time_text(made_at),
        "credentialSubject": {
            "type": "PoliceReportPackage",
            "station": station,
            "date": time_text(made_at),
            "items": [dict(i) for i in items],
            "files": dict(files),
        },
    }


def member_credential(
    config: TrustConfig,
    pseudonym: str,
    role: str,
    valid_from: datetime,
    valid_until: datetime,
    status_index: int,
) -> dict[str, Any]:
    """A volunteer's credential, revocable through the status list at ``status_index``."""
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "HaechiMemberCredential"],
        "issuer": _issuer(config),
        "validFrom": time_text(valid_from),
        "validUntil": time_text(valid_until),
        "credentialSubject": {
            "type": "Volunteer",
            "name": pseudonym,
            "role": role,
            "memberOf": config.organisation,
        },
        "credentialStatus": status_entry(config, status_index),
    }
