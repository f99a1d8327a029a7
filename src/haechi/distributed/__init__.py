"""Scans on a Ray cluster: the local pipeline's stages as Ray tasks and actors.

``haechi scan ... --runner ray`` runs the stages of :mod:`haechi.scan.pipeline` (fetch, hash,
match, record, preserve) on an existing Ray cluster (``HAECHI_RAY_ADDRESS``) instead of in one
process: the same stage functions, the same stores, the same evidence keeper. Nothing here
schedules or moves data itself; Ray does. See :mod:`haechi.distributed.runner` for how a scan
flows and what happens when a worker dies.
"""
