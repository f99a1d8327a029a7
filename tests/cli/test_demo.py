"""`haechi demo` is the first thing a new user runs: it must work end to end, as they run it.

The demo runs as `make demo` runs it: the installed `haechi` command in a fresh working
folder, the default relative home, stdin not a terminal. Its outcomes are read back from what
it left in its home (database, mailbox, police package), not from its printout.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from haechi.evidence import verify_bundle
from haechi.notices.model import CheckOutcome, NoticeKind
from haechi.scan.preserve import evidence_config
from haechi.settings import Settings
from haechi.store.database import open_database
from haechi.store.notices import NoticeStore, RecheckStore
from haechi.store.scans import ScanStore


def _new_user_env() -> dict[str, str]:
    """The environment of someone who set nothing: no HAECHI_* variable but the defaults."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAECHI_")}
    env["HAECHI_EVIDENCE_SCREENSHOTS"] = "0"  # keeps the test light; CI's `make demo` takes them
    env["COLUMNS"] = "120"
    return env


@pytest.mark.sqlite_only  # a new user's defaults: the demo's home is a SQLite file, always
def test_demo_runs_the_whole_flow_from_a_fresh_folder(tmp_path: Path) -> None:
    haechi = Path(sys.executable).with_name("haechi")
    done = subprocess.run(
        [str(haechi), "demo"],
        cwd=tmp_path,
        env=_new_user_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    home = tmp_path / "haechi-data" / "demo"  # the default home is relative: ./haechi-data
    assert home.is_dir(), output
    assert not [p for p in tmp_path.rglob("*") if "original" in p.name], "originals were kept"

    db = open_database(Settings(home=home))
    try:
        with db.session() as session:
            hits = ScanStore(session).hits()
            notices = NoticeStore(session).find()
            checks = [c for h in hits for c in RecheckStore(session).for_hit(h.id)]
    finally:
        db.close()

    files = [h for h in hits if not h.location.startswith("http")]
    web = [h for h in hits if h.location.startswith("http://127.0.0.1:")]
    assert len({Path(h.location).name for h in files}) >= 36, output  # of 40 altered copies
    assert not [h for h in files if Path(h.location).name.startswith("other-")], output
    assert len(web) == 2, output

    [takedown] = [n for n in notices if n.kind is NoticeKind.TAKEDOWN]
    assert {i.hit_id for i in takedown.items} == {h.id for h in web}
    [mail] = sorted((home / "mailbox").glob("*.eml"))
    message = BytesParser(policy=policy.default).parsebytes(mail.read_bytes())
    assert message["To"] == "abuse@demo-board.test"
    assert str(message["Message-ID"]).strip() == takedown.message_id  # it may come folded
    assert message["X-Haechi-Notice"] == str(takedown.id)
    body = message.get_body(("plain",))
    assert body is not None
    assert all(h.location in body.get_content() for h in web)

    assert sorted(c.outcome for c in checks) == [CheckOutcome.PRESENT, CheckOutcome.REMOVED]
    assert sum(1 for i in takedown.items if i.removed_at is not None) == 1
    assert [n.kind for n in notices].count(NoticeKind.REPEAT) == 1  # for the one still up

    [package] = (home / "police").iterdir()
    names = {p.name for p in package.iterdir()}
    # The demo's case does not let the police learn her name: the package says what it redacted.
    assert names == {
        "report.pdf",
        "evidence.wacz",
        "hits.json",
        "credential.json",
        "redaction.json",
        "redaction.txt",
        "SHA256SUMS",
    }
    for line in (package / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((package / name).read_bytes()).hexdigest() == digest, name
    trusted = evidence_config(Settings(home=home)).own_key_ids()
    verdict = verify_bundle(package / "evidence.wacz", trusted)
    assert verdict.passed, [(c.name, c.detail) for c in verdict.failures]
    assert len(verdict.captures) == 2
