"""Reaching the Ray cluster a scan runs on; nothing is started implicitly.

A team runs its own cluster (``ray start --head`` on one machine, ``ray start --address=...``
on the others) and names it in ``HAECHI_RAY_ADDRESS``. Without that setting ``--runner ray``
stops with the commands to start one, rather than quietly starting a private cluster inside
the command, which would hide where the work runs and outlive nothing.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from haechi.errors import HaechiError

HOW_TO_START = (
    "start a cluster with `ray start --head --port=6379` (and `ray start --address=HEAD:6379` "
    "on each other machine), then set HAECHI_RAY_ADDRESS=HEAD:6379"
)


class RayError(HaechiError):
    """Ray is missing, not configured, or its cluster cannot be reached."""

    exit_code = 2


def ray_module() -> ModuleType:
    """The ``ray`` package, or a clear error naming the extra that brings it."""
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise RayError(
            "--runner ray needs Ray: pip install 'haechi[ray]' (on every machine of the cluster)"
        ) from None


def connect(address: str | None) -> bool:
    """Join the cluster at ``address`` unless already joined; whether this call joined it.

    The caller that joined disconnects (:func:`disconnect`) when its scan ends.
    """
    if not address:
        raise RayError(f"--runner ray needs HAECHI_RAY_ADDRESS: {HOW_TO_START}")
    ray = ray_module()
    if ray.is_initialized():
        return False
    try:
        ray.init(
            address=address,
            logging_level=logging.WARNING,
            log_to_driver=False,
            configure_logging=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise RayError(
            f"cannot reach the Ray cluster at {address} ({exc}); {HOW_TO_START}"
        ) from None
    return True


def disconnect() -> None:
    """Leave the cluster (the cluster itself keeps running)."""
    ray_module().shutdown()
