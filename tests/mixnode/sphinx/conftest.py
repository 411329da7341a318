"""Every Sphinx test runs twice: with the Rust extension and with the Python reference.

The implementations must give the same bytes and the same drop reasons, so the whole suite
is their common specification. The choice is module-scoped (hypothesis forbids
function-scoped fixtures under ``@given``); a missing extension fails the native half with
the command that builds it, never skips it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fogcompute_mixnode.sphinx import backends


@pytest.fixture(scope="module", autouse=True, params=backends.IMPLEMENTATIONS)
def sphinx_implementation(request: pytest.FixtureRequest) -> Iterator[str]:
    before = backends.active()
    name = str(request.param)
    backends.select(name)  # ValueError naming hack/build-native.sh if the extension is missing
    try:
        yield name
    finally:
        backends.select(before)
