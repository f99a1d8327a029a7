"""Victims register their own images as hashes computed in their browser, and follow them.

A victim (alone, or beside a support centre's staff member) hashes her images in her own
browser with ``/static/intake/hash.js``; only the hashes reach the server
(:func:`~haechi.intake.service.register`). She chooses what the team may do, gets a case number
and a recovery phrase that the server keeps only as hashes, comes back with them to see counts
and dates (:func:`~haechi.intake.status.status`), and withdraws for good when she wants
(:func:`~haechi.intake.service.withdraw`). Hashes wait for a reviewer before they can be shared
with platforms (:mod:`haechi.intake.review`), so nobody can get ordinary pictures blocked by
registering them; proof-of-work, one-time links and rate limits keep the endpoint from being
used to flood the banks (:mod:`haechi.intake.guard`).
"""
