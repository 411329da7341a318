"""The mixnode daemon (``fog-mixnode``): asyncio UDP workers sharing a port, one per core.

Flow: ``cli`` -> ``supervising`` (parent: workers, health, metrics) -> ``working`` (per worker:
``datagrams`` -> ``handling`` -> ``delaying`` -> ``datagrams``, plus ``covering`` loops).
"""

from fogcompute_mixnode.node.counting import ALL_DROP_REASONS, NodeTotals, WorkerStats
from fogcompute_mixnode.node.delaying import DelayHeap
from fogcompute_mixnode.node.handling import Delays, LoopIdentity, PacketHandler, PacketProcessor
from fogcompute_mixnode.node.settings import NodeSettings

__all__ = [
    "ALL_DROP_REASONS",
    "DelayHeap",
    "Delays",
    "LoopIdentity",
    "NodeSettings",
    "NodeTotals",
    "PacketHandler",
    "PacketProcessor",
    "WorkerStats",
]
