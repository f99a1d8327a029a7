"""Casework for the team's pages and API: cases with the victim's choices and their closing,
the notice board (drafts per platform, four eyes, overdue, follow-ups), police packages and
their waiting clock, and statistics as CSV.

Services over the existing ones (:mod:`haechi.cases`, :mod:`haechi.notices`,
:mod:`haechi.ops.retention`), each taking the session or desk and the acting member, so the
web pages, the JSON API and the command line call the same code.
"""
