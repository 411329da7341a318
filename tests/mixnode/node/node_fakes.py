"""Fakes shared by the daemon's timer-driven tests: a settable clock and an event loop whose
``call_later`` only records the timer, so a test fires it by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class FakeClock:
    now: float

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeTimer:
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class FakeLoop:
    """Records every timer armed; ``fire`` runs the newest."""

    armed: list[tuple[float, Callable[..., None], tuple[object, ...], FakeTimer]] = field(
        default_factory=list
    )

    def call_later(self, delay: float, callback: Callable[..., None], *args: object) -> FakeTimer:
        timer = FakeTimer()
        self.armed.append((delay, callback, args, timer))
        return timer

    def fire(self) -> None:
        _, callback, args, _ = self.armed[-1]
        callback(*args)
