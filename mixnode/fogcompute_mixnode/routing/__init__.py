"""The routing core shared by operator and clients: ECVRF, the weighted path draw, the signed
per-epoch directory, circuit proving and verification, and measured reliability.

The one part of the mixnet the operator may import (see pyproject's import-linter contracts):
the operator draws and proves, ``fogctl circuit verify`` checks, and both must run the same
code. Pure: no I/O, no clock, no daemon or client code; only hashlib, PyNaCl's libsodium
bindings and the API models.

Flow: ``directories`` (records, canonical bytes) -> ``signing`` (Ed25519) ; ``ecvrf`` ->
``drawing`` (the integer draw) -> ``proving`` (operator) / ``verifying`` (anyone);
``publishing`` builds an epoch's directory from MixNodes; ``reliability`` measures what
becomes their ``reliability_ppm``.
"""

from fogcompute_mixnode.routing.directories import (
    DirectoryFormatError,
    EpochDirectory,
    MixNodeRecord,
    canonical_bytes,
    directory_digest,
    parse_epoch_directory,
    render_epoch_directory,
)
from fogcompute_mixnode.routing.drawing import (
    DrawRequest,
    NoEligibleNodeError,
    circuit_alpha,
    draw_path,
    reliability_to_ppm,
)
from fogcompute_mixnode.routing.ecvrf import VrfKeyPair, keypair_from_secret
from fogcompute_mixnode.routing.proving import CircuitDraw, draw_circuit, request_from_spec
from fogcompute_mixnode.routing.publishing import BuiltDirectory, build_epoch_directory
from fogcompute_mixnode.routing.reliability import (
    Estimate,
    ReliabilityEstimator,
    ReliabilitySettings,
)
from fogcompute_mixnode.routing.signing import (
    DIRECTORY_CONFIGMAP,
    DIRECTORY_NAMESPACE,
    DirectorySignatureError,
    OpenedDirectory,
    directory_configmap_key,
    open_signed_directory,
    sign_directory,
)
from fogcompute_mixnode.routing.verifying import CircuitVerdict, verify_circuit

__all__ = [
    "DIRECTORY_CONFIGMAP",
    "DIRECTORY_NAMESPACE",
    "BuiltDirectory",
    "CircuitDraw",
    "CircuitVerdict",
    "DirectoryFormatError",
    "DirectorySignatureError",
    "DrawRequest",
    "EpochDirectory",
    "Estimate",
    "MixNodeRecord",
    "NoEligibleNodeError",
    "OpenedDirectory",
    "ReliabilityEstimator",
    "ReliabilitySettings",
    "VrfKeyPair",
    "build_epoch_directory",
    "canonical_bytes",
    "circuit_alpha",
    "directory_configmap_key",
    "directory_digest",
    "draw_circuit",
    "draw_path",
    "keypair_from_secret",
    "open_signed_directory",
    "parse_epoch_directory",
    "reliability_to_ppm",
    "render_epoch_directory",
    "request_from_spec",
    "sign_directory",
    "verify_circuit",
]
