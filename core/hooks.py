"""Hook lists: how a lower layer lets a higher one react without importing it (SPEC §18).

The lower layer declares a ``Hook`` at its own level and calls it where the thing
happens; the higher app registers a receiver in its ``AppConfig.ready()``. Receivers run
synchronously, in registration order, inside the caller's transaction when there is one:
a receiver that raises undoes the change it reacts to (the rollups rely on that).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Hook:
    """A named list of receivers, called with the same arguments."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Callable[..., Any]] = []

    def register(self, receiver: Callable[..., Any]) -> Callable[..., Any]:
        """Adds ``receiver`` once (``ready()`` may run twice in a test process)."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    @property
    def receivers(self) -> tuple[Callable[..., Any], ...]:
        """For a hook whose callers want each receiver's answer (the admin's menu)."""
        return tuple(self._receivers)

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        for receiver in self._receivers:
            receiver(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._receivers)} receiver(s)>"
