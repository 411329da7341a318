"""Per-epoch X25519 node keys: generated once per epoch by the daemon, given to ``SphinxNode``.

Sits at the bottom of the packet layer beside ``geometry``. Holds no state and never
persists a key: storing and publishing keys is the daemon's and the edge agent's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)


@dataclass(frozen=True)
class EpochKey:
    """A node's X25519 private key (32 bytes) for one key epoch."""

    epoch: int
    private_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.private_key) != 32:
            raise ValueError(f"EpochKey.private_key must be 32 bytes, got {len(self.private_key)}")
        if self.epoch < 0:
            raise ValueError(f"EpochKey.epoch must be >= 0, got {self.epoch}")

    @property
    def public_key(self) -> bytes:
        """The X25519 public key (32 bytes) published for this epoch."""
        private = X25519PrivateKey.from_private_bytes(self.private_key)
        return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def generate_epoch_key(epoch: int) -> EpochKey:
    """A fresh random X25519 key for ``epoch``."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return EpochKey(epoch=epoch, private_key=raw)
