"""Reading the operator's settings from its environment, once at startup. Pure.

Every kind package and the scheduler parse their variables with ``env_number``, so a wrong
value stops the operator with a message naming the variable and the fix, the same way for all.
"""

from __future__ import annotations

from collections.abc import Mapping


def env_number(environ: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    """``environ[name]`` as a number of at least ``minimum``; ``default`` when unset or empty."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number; set e.g. {name}={default:g}") from None
    if value < minimum:
        raise ValueError(f"{name}={raw!r} is below {minimum:g}; set at least {minimum:g}")
    return value
