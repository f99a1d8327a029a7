"""Compile the pages' gettext catalogues (``.po`` to ``.mo``) when the package is built.

Everything else about the package is in pyproject.toml; this only hooks ``build_py`` so a
wheel or an install carries compiled catalogues, and an editable install (``pip install -e``)
compiles them beside their ``.po`` files in the source tree (the Makefile does too).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = Path("src/haechi/web/locales")


def compile_catalogues(source: Path, target: Path) -> None:
    """Write ``messages.mo`` under ``target`` for every ``messages.po`` under ``source``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        locale = po.parent.parent.name
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=locale)
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        partial = mo.with_suffix(".mo.partial")
        with partial.open("wb") as handle:
            write_mo(handle, catalogue)
        partial.replace(mo)


class BuildPy(build_py):
    """``build_py`` that also compiles the catalogues into the build (or the sources)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            compile_catalogues(CATALOGUES, CATALOGUES)
        else:
            compile_catalogues(CATALOGUES, Path(self.build_lib) / "haechi" / "web" / "locales")


setup(cmdclass={"build_py": BuildPy})
