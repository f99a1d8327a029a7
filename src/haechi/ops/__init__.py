"""Operations: keeping a home for years (backups, restores, drills, upgrades, health, retention).

Each action is a plain function the CLI and the web app call: :mod:`~haechi.ops.backup`
(encrypted, incremental, atomic), :mod:`~haechi.ops.restore` (verify and restore),
:mod:`~haechi.ops.drill`, :mod:`~haechi.ops.upgrade` (a copy before every migration),
:mod:`~haechi.ops.doctor`, :mod:`~haechi.ops.retention`, :mod:`~haechi.ops.health` and
:mod:`~haechi.ops.metrics`. Nothing heavy is imported here.
"""
