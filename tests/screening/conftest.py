"""Fixtures for the screening engine: the real list files beside the project, if any,
and whether its compiled parts should have been built."""

from __future__ import annotations

import shutil
import sysconfig
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


@pytest.fixture(scope="session")
def c_compiler() -> None:
    """Skips where no C compiler is at hand: there casework installs without its compiled
    parts and runs on their numpy paths. Where one is, the install must have built them,
    and a test asking for this fixture says so when it did not."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}): casework runs on its numpy paths")
