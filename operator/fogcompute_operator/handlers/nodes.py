"""Node handlers: feed every Node watch event into the runtime's Node informer.

Nodes are read, never written: the scheduler snapshots them each round and the EdgeDevice
controller checks that each device's Node exists. Thin: the body goes into the informer as it
is, and the informer queues whatever controllers watch Nodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import kopf

from fogcompute_operator.handlers.operating import runtime_of
from fogcompute_operator.kube import NODES


@kopf.on.event("v1", "nodes")
async def node_event(memo: Any, event: Mapping[str, Any], **_: Any) -> None:
    runtime = runtime_of(memo)
    if runtime is not None:
        runtime.observe(NODES, event.get("type"), event["object"])
