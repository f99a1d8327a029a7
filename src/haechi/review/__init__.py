"""Reviewing in the team's browser: the dashboard, the queue, safe previews, the policy.

Every function takes the database session (and the acting member where something changes),
so the pages, the JSON API and the command line call the same code. Submodules:
``dashboard`` (cheap counts), ``queue`` (the paginated, sortable, filtered review queue),
``policy`` (auto-confirming exact copies and very close PDQ matches), ``previews`` (images
only from the evidence store, blurred unless revealed), ``hitpage`` (one hit with its
evidence, re-checks, notices and case), ``register`` (files hashed in memory), ``sources``
(scans of uploaded lists and exports; watches' history).
"""
