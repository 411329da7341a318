"""The mixnet controllers' configuration, parsed once from the environment at startup.

Read by the mixnet handlers' startup activity; a wrong value stops the operator with a message
naming the variable. Variables (defaults in brackets): FOG_MIXNET_EPOCH_SECONDS [3600] and
FOG_MIXNET_EPOCH_GENESIS [0] (unix seconds; both must match the nodes' ``--epoch-seconds`` and
``--epoch-genesis``), FOG_MIXNET_LAYERS [3] layers the operator balances unassigned MixNodes
across, FOG_MIXNET_HEARTBEAT_TIMEOUT_SECONDS [60] after which a MixNode whose agent went silent
is Ready Unknown, FOG_MIXNET_KEEP_EPOCHS [4] signed directories kept in the ConfigMap,
FOG_MIXNET_KEYS_SECRET [fog-mixnet-keys] the Secret (in the directory's namespace) holding the
directory signing key and the VRF key, FOG_MIXNET_WORKERS [2] concurrent reconciles per kind,
FOG_MIXNET_RELIABILITY_WINDOW_SECONDS [600] and FOG_MIXNET_RELIABILITY_BUCKETS [10] the
measurement window, FOG_MIXNET_RELIABILITY_WRITE_SECONDS [10] how often scores are written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fogcompute_mixnode.routing import ReliabilitySettings

from fogcompute_operator.controlling import env_number
from fogcompute_operator.mixnet.epochs import EpochClock

DEFAULT_KEYS_SECRET = "fog-mixnet-keys"  # noqa: S105 - a Secret's name, not a secret


@dataclass(frozen=True)
class MixnetSettings:
    clock: EpochClock = field(default_factory=EpochClock)
    layers: int = 3
    heartbeat_timeout_seconds: float = 60.0
    keep_epochs: int = 4
    keys_secret: str = DEFAULT_KEYS_SECRET
    workers: int = 2
    reliability: ReliabilitySettings = field(default_factory=ReliabilitySettings)
    reliability_write_seconds: float = 10.0

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> MixnetSettings:
        secret = environ.get("FOG_MIXNET_KEYS_SECRET", "").strip() or DEFAULT_KEYS_SECRET
        layers = int(env_number(environ, "FOG_MIXNET_LAYERS", 3, minimum=3))
        if layers > 5:
            raise ValueError(f"FOG_MIXNET_LAYERS={layers} is above 5; set 3 to 5")
        return cls(
            clock=EpochClock(
                epoch_seconds=env_number(environ, "FOG_MIXNET_EPOCH_SECONDS", 3600, minimum=1),
                genesis=env_number(environ, "FOG_MIXNET_EPOCH_GENESIS", 0, minimum=0),
            ),
            layers=layers,
            heartbeat_timeout_seconds=env_number(
                environ, "FOG_MIXNET_HEARTBEAT_TIMEOUT_SECONDS", 60, minimum=1
            ),
            keep_epochs=int(env_number(environ, "FOG_MIXNET_KEEP_EPOCHS", 4, minimum=2)),
            keys_secret=secret,
            workers=int(env_number(environ, "FOG_MIXNET_WORKERS", 2, minimum=1)),
            reliability=ReliabilitySettings(
                window_s=env_number(
                    environ, "FOG_MIXNET_RELIABILITY_WINDOW_SECONDS", 600, minimum=1
                ),
                buckets=int(env_number(environ, "FOG_MIXNET_RELIABILITY_BUCKETS", 10, minimum=1)),
            ),
            reliability_write_seconds=env_number(
                environ, "FOG_MIXNET_RELIABILITY_WRITE_SECONDS", 10, minimum=0.1
            ),
        )
