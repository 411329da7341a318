"""Structured key=value logging for the daemon's processes and the client CLI.

Sits under both: one line per event, ``event=...`` first, with the process role; call sites
never pass key material or packet bytes.
"""

from __future__ import annotations

import logging
import os
import sys


def configure_logging(*, worker: int | None = None, level: str | None = None) -> None:
    role = "parent" if worker is None else f"worker{worker}"
    logging.basicConfig(
        level=(level or os.environ.get("FOG_MIXNODE_LOG_LEVEL", "INFO")).upper(),
        stream=sys.stderr,
        format=f"ts=%(asctime)s level=%(levelname)s proc={role} pid=%(process)d "
        "logger=%(name)s %(message)s",
        force=True,
    )
