"""Why a Sphinx packet was dropped: the one exception the packet layer lets out.

Sits under every other sphinx module. ``SphinxNode.process`` turns every failure, whatever
its cause, into a ``SphinxDrop`` carrying one of the closed set of reasons below, which the
daemon counts in its metrics. Nothing here logs or counts: that is the daemon's job.
"""

from __future__ import annotations

from typing import Literal, get_args

DropReason = Literal[
    "malformed",
    "bad_mac",
    "replay",
    "unknown_epoch",
    "low_order_point",
    "bad_command",
    "delay_over_cap",
    "bad_payload",
]

DROP_REASONS: tuple[DropReason, ...] = get_args(DropReason)


class SphinxDrop(Exception):  # noqa: N818 -- the name is the public API the daemon codes against
    """A packet that must be dropped, and the reason (one of ``DROP_REASONS``)."""

    def __init__(self, reason: DropReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: DropReason = reason
        self.detail = detail
