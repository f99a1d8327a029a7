"""Evidence that outlives the link: capture, seal, log, bundle and verify.

The moment a hit is found, :meth:`EvidenceLocker.capture` preserves the page, the media and a
screenshot as WARC records in a content-addressed store and logs the capture in a hash-chained,
checkpoint-signed log; :func:`export_bundle` writes a WACZ that police and courts open in
standard tools, and :func:`verify_bundle` checks it offline. See ``docs`` in each module.
"""

from haechi.evidence.bundle import BundleSummary, export_bundle
from haechi.evidence.capture import CapturedEvidence, CaptureRequest, capture
from haechi.evidence.commands import EvidenceConfig, evidence_app
from haechi.evidence.errors import (
    ArtifactCorrupted,
    ArtifactMissing,
    BundleError,
    CaptureFailed,
    EvidenceError,
    LogCorrupted,
    SigningKeyError,
    TimestampError,
    UnknownCapture,
)
from haechi.evidence.locker import CaptureContent, EvidenceLocker
from haechi.evidence.log import EntryKind, EvidenceLog, LogEntry
from haechi.evidence.model import (
    Capture,
    HttpExchange,
    Retrieval,
    ScreenshotOutcome,
    ScreenshotStatus,
)
from haechi.evidence.recorder import HttpRecorder, RecorderLimits
from haechi.evidence.screenshot import (
    BrowserLimits,
    ChromiumScreenshotter,
    NoScreenshots,
    Screenshotter,
)
from haechi.evidence.signing import Checkpoint, SigningKey, generate_key, load_key
from haechi.evidence.store import EvidenceStore, FolderStore
from haechi.evidence.timestamp import TsaClient
from haechi.evidence.verify import Check, CheckStatus, VerificationReport, verify_bundle

__all__ = [
    "ArtifactCorrupted",
    "ArtifactMissing",
    "BrowserLimits",
    "BundleError",
    "BundleSummary",
    "Capture",
    "CaptureContent",
    "CaptureFailed",
    "CaptureRequest",
    "CapturedEvidence",
    "Check",
    "CheckStatus",
    "Checkpoint",
    "ChromiumScreenshotter",
    "EntryKind",
    "EvidenceConfig",
    "EvidenceError",
    "EvidenceLocker",
    "EvidenceLog",
    "EvidenceStore",
    "FolderStore",
    "HttpExchange",
    "HttpRecorder",
    "LogCorrupted",
    "LogEntry",
    "NoScreenshots",
    "RecorderLimits",
    "Retrieval",
    "ScreenshotOutcome",
    "ScreenshotStatus",
    "Screenshotter",
    "SigningKey",
    "SigningKeyError",
    "TimestampError",
    "TsaClient",
    "UnknownCapture",
    "VerificationReport",
    "capture",
    "evidence_app",
    "export_bundle",
    "generate_key",
    "load_key",
    "verify_bundle",
]
