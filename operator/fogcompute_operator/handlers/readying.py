"""The last startup activity: report ready once every kind's controller runs.

Imported last by the package, so kopf runs it after ``operating`` and every per-kind startup
(kopf runs startup activities one after another, in registration order).
"""

from __future__ import annotations

from typing import Any

import kopf

from fogcompute_operator.handlers.operating import mark_ready


@kopf.on.startup(id="fogcompute-ready")
async def report_ready(memo: kopf.Memo, **_: Any) -> None:
    mark_ready(memo)
