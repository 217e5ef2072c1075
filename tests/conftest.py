"""Shared fixtures. Tests that need ../shared skip cleanly when it is absent."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PIPELINE_SHARED", ROOT.parent / "shared"))
SEED_NAME = "000_63f442ddd4362203.txt"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared is not present on this machine")
    return SHARED


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The seed text as committed in corpus/ (the project's own copy)."""
    return ROOT / "corpus" / SEED_NAME
