"""Fixtures shared by the test modules."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def brian_state():
    """Run in-process builds without leaking the device or preferences to other tests."""
    from brian2 import prefs, set_device

    saved = copy.deepcopy(dict(prefs.prefs))
    yield
    prefs.prefs.update(saved)
    set_device("runtime")


def shared_data_dir() -> Path:
    """Where the real datasets are: the first entry of $DIEHLSIM_DATA (as `make test` sets
    it), else ../shared/data beside the repository."""
    entries = [e for e in os.environ.get("DIEHLSIM_DATA", "").split(os.pathsep) if e.strip()]
    return Path(entries[0]).resolve() if entries else REPO_ROOT.parent / "shared" / "data"
