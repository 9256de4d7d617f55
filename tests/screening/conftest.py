"""Fixtures for the screening engine: the real list files beside the project, if any."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="session")
def watchlists() -> Path:
    """../shared/data/watchlists; tests that need it skip cleanly in a plain clone."""
    path = SHARED_DATA / "watchlists"
    if not path.is_dir():
        pytest.skip(f"real list files not found at {path}")
    return path


@pytest.fixture(scope="session")
def screening_eval() -> Path:
    path = SHARED_DATA / "screening-eval"
    if not path.is_dir():
        pytest.skip(f"evaluation files not found at {path}")
    return path
