"""``haechi demo``: the whole flow a group lives, on sample photos, on this machine only.

Register a victim's photos, find altered re-uploads in a folder and on a board served on
127.0.0.1, review the hits, send a takedown notice to a mail server on 127.0.0.1 and show it,
re-check a day later and see one removal, write the police report package and print the
statistics. :mod:`~haechi.demo.flow` runs the steps with the ordinary service functions;
:mod:`~haechi.demo.site` and :mod:`~haechi.demo.mail` are the world they act on;
:mod:`~haechi.demo.show` prints it.
"""

from __future__ import annotations

from haechi.demo.flow import run_demo
from haechi.demo.world import DemoError

__all__ = ["DemoError", "run_demo"]
