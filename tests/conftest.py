"""Fixtures shared by the test modules."""

from __future__ import annotations

import copy

import pytest


@pytest.fixture
def brian_state():
    """Run in-process builds without leaking the device or preferences to other tests."""
    from brian2 import prefs, set_device

    saved = copy.deepcopy(dict(prefs.prefs))
    yield
    prefs.prefs.update(saved)
    set_device("runtime")
