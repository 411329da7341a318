"""The signed directory: Ed25519 over the canonical bytes, checkable off the cluster.

Sits above ``directories`` in the routing core. The operator signs each epoch's directory with
the Ed25519 key it keeps in a Secret and publishes the signed document (a ConfigMap, names
below); clients, nodes and ``fogctl circuit verify`` open it with the operator's public key
pinned (``trusted_keys``) or, without a pin, against the key the document names (which proves
integrity, not origin: the result says which). Signing uses PyNaCl; this module only frames.

    {"directory": {<EpochDirectory document>}, "signerKey": "<64 hex>", "signature": "<128 hex>"}

The signed message is ``SIGNING_CONTEXT || canonical_bytes(directory)``, so a directory
signature can never be replayed as any other signature made with the same key.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from nacl import exceptions, signing

from fogcompute_mixnode.routing.directories import (
    DirectoryFormatError,
    EpochDirectory,
    canonical_bytes,
    directory_digest,
    parse_epoch_directory,
    render_epoch_directory,
)

__all__ = [
    "DIRECTORY_CONFIGMAP",
    "DIRECTORY_NAMESPACE",
    "SIGNING_CONTEXT",
    "DirectorySignatureError",
    "OpenedDirectory",
    "directory_configmap_key",
    "open_signed_directory",
    "sign_directory",
]

SIGNING_CONTEXT = b"fogcompute.io/mixnet-directory/v1\x00"
DIRECTORY_CONFIGMAP = "fog-mixnet-directory"
DIRECTORY_NAMESPACE = "fog-system"


def directory_configmap_key(epoch: int) -> str:
    """The ConfigMap data key holding the signed directory of ``epoch``."""
    return f"epoch-{epoch}.json"


class DirectorySignatureError(ValueError):
    """The signature does not hold, or the signer is not a trusted key."""


@dataclass(frozen=True)
class OpenedDirectory:
    """A directory whose signature held; ``pinned`` says the signer was a trusted key."""

    directory: EpochDirectory
    digest: bytes
    signer_key: bytes
    pinned: bool
    document: Mapping[str, Any] = field(repr=False, compare=False)


def sign_directory(directory: EpochDirectory, *, signing_key: bytes) -> dict[str, Any]:
    """The signed document for ``directory`` with a 32-byte Ed25519 seed ``signing_key``."""
    key = signing.SigningKey(signing_key)
    signature = key.sign(SIGNING_CONTEXT + canonical_bytes(directory)).signature
    return {
        "directory": render_epoch_directory(directory),
        "signerKey": bytes(key.verify_key).hex(),
        "signature": bytes(signature).hex(),
    }


def _hex_field(document: Mapping[str, Any], name: str, *, size: int) -> bytes:
    value = document.get(name)
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise DirectoryFormatError(f"signed directory.{name}: expected {size * 2} hex characters")
    return raw


def open_signed_directory(
    document: Any, *, trusted_keys: Collection[bytes] = ()
) -> OpenedDirectory:
    """The directory inside ``document`` once its signature holds.

    With ``trusted_keys`` the signer must be one of them. Raises ``DirectoryFormatError`` for a
    malformed document and ``DirectorySignatureError`` for a bad signature or untrusted signer.
    """
    if not isinstance(document, Mapping):
        raise DirectoryFormatError("signed directory: expected {directory, signerKey, signature}")
    signer = _hex_field(document, "signerKey", size=32)
    signature = _hex_field(document, "signature", size=64)
    directory = parse_epoch_directory(document.get("directory"))
    if trusted_keys and signer not in trusted_keys:
        raise DirectorySignatureError(
            f"signed directory: signer {signer.hex()} is not a trusted key; "
            "pass the operator's directory key with --trusted-key"
        )
    try:
        signing.VerifyKey(signer).verify(SIGNING_CONTEXT + canonical_bytes(directory), signature)
    except (exceptions.BadSignatureError, exceptions.CryptoError) as error:
        raise DirectorySignatureError(
            f"signed directory: the signature of epoch {directory.epoch} does not verify "
            f"under {signer.hex()}: the directory was altered or signed by another key"
        ) from error
    return OpenedDirectory(
        directory=directory,
        digest=directory_digest(directory),
        signer_key=signer,
        pinned=bool(trusted_keys),
        document=document,
    )
