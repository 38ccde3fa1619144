"""A registry of named components (neuron models, inputs, learning rules, read-outs)."""

from __future__ import annotations

from diehlsim.errors import DiehlsimError


class Registry:
    """Components by ``component.name``; ``noun`` names the kind in errors, which are
    raised as ``error`` (a :class:`DiehlsimError`)."""

    def __init__(self, noun: str, error: type[DiehlsimError]):
        self.noun = noun
        self.error = error
        self._items: dict[str, object] = {}

    def register(self, component, *, replace: bool = False):
        """Make ``component`` selectable by its name; returns it."""
        known = self._items.get(component.name)
        if known is not None and known is not component and not replace:
            raise self.error(f"{self.noun} {component.name!r} is registered already; pick "
                             f"another name or pass replace=True")
        self._items[component.name] = component
        return component

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)

    def get(self, name: str):
        try:
            return self._items[name]
        except KeyError:
            raise self.error(f"unknown {self.noun} {name!r}; choose one of "
                             f"{', '.join(sorted(self._items))}") from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def values(self) -> list:
        """In registration order."""
        return list(self._items.values())
