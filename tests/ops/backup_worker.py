"""Makes a backup that stops halfway, for the kill -9 test.

After the database and half of the evidence objects are in the stream, it writes ``halfway``
and sleeps, so the test kills it in the middle of writing the encrypted file.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from haechi.ops import archive
from haechi.ops.backup import make_backup
from tests.ops.conftest import home_settings


def main(root: Path, out: Path) -> None:
    original = archive.TarWriter.add_file
    added = []

    def slow_add(self: archive.TarWriter, name: str, path: Path) -> archive.Member:
        member = original(self, name, path)
        added.append(name)
        if len(added) == 3:
            (root / "halfway").write_text(name)
            time.sleep(120)
        return member

    archive.TarWriter.add_file = slow_add  # type: ignore[method-assign]
    make_backup(home_settings(root), out)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
