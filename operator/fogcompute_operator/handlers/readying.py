"""The last startup activity: report ready once every kind's controller runs.

Imported last by the package, so kopf runs it after ``operating`` and every per-kind startup
(kopf runs startup activities one after another, in registration order). A kind startup that
failed temporarily is retried by kopf after this one ran once, so this one waits (retries)
until every startup declared with ``operating.kind_startup`` has said it finished.
"""

from __future__ import annotations

from typing import Any

import kopf

from fogcompute_operator.handlers.operating import mark_ready


@kopf.on.startup(id="fogcompute-ready", backoff=1)
async def report_ready(memo: kopf.Memo, **_: Any) -> None:
    missing = mark_ready(memo)
    if missing:
        raise kopf.TemporaryError(f"waiting for {', '.join(sorted(missing))}", delay=1)
