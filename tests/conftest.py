"""Factory fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from haechi.settings import Settings
from haechi.store.database import Database, open_database


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh home; one hashing worker keeps tests light."""
    return Settings(home=tmp_path / "home", workers=1)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """A migrated SQLite database in the test's home."""
    database = open_database(settings)
    yield database
    database.close()


def photo(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A deterministic photo-like image (smooth random field with structure)."""
    rng = np.random.default_rng(seed)
    w, h = size
    coarse = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
    big = Image.fromarray(coarse).resize((w, h), Image.Resampling.BICUBIC)
    noise = rng.normal(0, 6, size=(h, w, 3))
    arr = np.clip(np.asarray(big, dtype=np.float64) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


@pytest.fixture
def make_photo(tmp_path: Path) -> Callable[..., Path]:
    """Write a deterministic photo to a file and return its path."""

    def make(
        seed: int, name: str | None = None, folder: Path | None = None, fmt: str = "JPEG"
    ) -> Path:
        target = (folder or tmp_path / "photos") / (name or f"photo-{seed}.jpg")
        target.parent.mkdir(parents=True, exist_ok=True)
        photo(seed).save(target, fmt, **({"quality": 92} if fmt == "JPEG" else {}))
        return target

    return make
