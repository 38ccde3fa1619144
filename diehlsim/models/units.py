"""Small helpers for parameters with Brian2 units."""

from __future__ import annotations

from dataclasses import field

from brian2 import Quantity


def q(value: Quantity):
    """A dataclass field defaulting to a quantity (quantities are arrays: not hashable)."""
    return field(default_factory=lambda: value)
