"""A real evidence bundle of a home, and a copy whose wacz-auth signature alone was changed."""

from __future__ import annotations

import base64
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from haechi.evidence.bundle import export_bundle
from haechi.scan.preserve import ensure_key, evidence_config
from haechi.settings import Settings
from tests.evidence.conftest import capture_now
from tests.evidence.site import Site, default_routes


def make_bundle(settings: Settings, out: Path) -> Path:
    """Capture one page of a loopback site with the home's evidence key and export it."""
    config = evidence_config(settings, allow_hosts=("127.0.0.1",))
    ensure_key(config)
    locker = config.locker()
    site = Site(default_routes())
    try:
        # In a thread of its own: Playwright's sync API keeps an event loop running in this one.
        with ThreadPoolExecutor(1) as pool:
            capture = pool.submit(capture_now, locker, site.url("/"), None, {"hit_id": 1}).result()
    finally:
        site.close()
    export_bundle(locker, [capture.id], out)
    return out


def with_wacz_auth_changed(source: Path, target: Path) -> Path:
    """A copy of ``source`` whose wacz-auth signature has one bit flipped, nothing else."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "datapackage-digest.json":
                digest = json.loads(data)
                raw = bytearray(base64.b64decode(digest["signedData"]["signature"]))
                raw[5] ^= 0x01
                digest["signedData"]["signature"] = base64.b64encode(raw).decode("ascii")
                data = json.dumps(digest, indent=2).encode()
            new.writestr(info, data)
    return target
