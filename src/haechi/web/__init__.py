"""The team server (``haechi serve``): pages and a JSON API over the members' and audit services.

Importing this loads FastAPI; the command line imports it only inside ``haechi serve``.
"""

from haechi.web.app import create_app

__all__ = ["create_app"]
