"""Which implementation runs the Sphinx hot paths: the Rust extension or the Python reference.

Consulted on every call by ``processing`` (per-hop unwrap), ``building``/``surbs`` (header
build) and ``payloads`` (Lioness layers). The native module ``fogcompute_mixnode._native``
(built by ``hack/build-native.sh`` from ``mixnode/native``) is used when it imports; the
pure-Python modules of this package stay the reference that documents the format, and the
fallback. ``FOG_SPHINX_IMPL=python|native`` forces one at import; ``select`` switches at run
time (tests and the benchmark). Both produce the same bytes and the same drop reasons.
This module only chooses: it holds no keys and does no crypto itself.
"""

from __future__ import annotations

import os
from typing import Final, Literal, get_args

__all__ = [
    "BUILD_HINT",
    "ENV_VAR",
    "IMPLEMENTATIONS",
    "NATIVE_ERROR",
    "SELECTION",
    "Implementation",
    "active",
    "native",
    "native_available",
    "select",
]

Implementation = Literal["python", "native"]
IMPLEMENTATIONS: Final[tuple[Implementation, ...]] = get_args(Implementation)
ENV_VAR: Final = "FOG_SPHINX_IMPL"
BUILD_HINT: Final = "build it with hack/build-native.sh (needs cargo)"

try:
    from fogcompute_mixnode import _native as native
except ImportError as error:  # not built on this machine: the Python reference runs
    native = None  # type: ignore[assignment]
    NATIVE_ERROR = f"{type(error).__name__}: {error}"
else:
    NATIVE_ERROR = ""


class _Selection:
    __slots__ = ("native",)

    def __init__(self) -> None:
        self.native = False


SELECTION: Final = _Selection()
"""``SELECTION.native`` is read on the hot path: one attribute load per packet."""


def native_available() -> bool:
    """Whether ``fogcompute_mixnode._native`` imported."""
    return native is not None


def active() -> Implementation:
    """The implementation in use now."""
    return "native" if SELECTION.native else "python"


def select(name: str) -> None:
    """Use ``name`` ("python" or "native") from now on; ``ValueError`` if it cannot run."""
    if name not in IMPLEMENTATIONS:
        raise ValueError(f"{ENV_VAR} must be one of {', '.join(IMPLEMENTATIONS)}, got {name!r}")
    if name == "native" and native is None:
        raise ValueError(
            f"the native Sphinx implementation is not available ({NATIVE_ERROR}); {BUILD_HINT}"
        )
    SELECTION.native = name == "native"


select(os.environ.get(ENV_VAR) or ("native" if native is not None else "python"))
