"""A sender's half of Sphinx: wrap a message for a path of 1 to 5 hops.

Called by the client (``fogctl send``, Loopix streams) and by nodes for loop cover
traffic. Every packet is ``PACKET_SIZE`` bytes and looks the same whatever the number of
hops: unused routing information and payload padding are random bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from fogcompute_mixnode.sphinx.paths import PathHop


def build_forward_packet(*, path: Sequence[PathHop], recipient: bytes, message: bytes) -> bytes:
    """A packet that ``path[-1]`` delivers to ``recipient`` (32 bytes) as ``message``.

    All hops must share one key epoch; ``message`` holds at most ``MAX_MESSAGE_SIZE`` bytes.
    Raises ``ValueError`` naming the bad argument otherwise.
    """
    raise NotImplementedError
