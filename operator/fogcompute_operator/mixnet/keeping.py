"""The operator's two mixnet keys, kept in one Secret it creates if absent.

Called once by the mixnet startup, before the directory publisher and the Circuit controller
run: the Ed25519 seed that signs every epoch's directory (clients pin its public key) and the
ECVRF secret that proves every circuit draw. Both are 32 random bytes from the OS, generated
here on the first start and read back on every later one, so a restarted operator signs and
proves with the same keys. The Secret lives beside the directory ConfigMap
(``DIRECTORY_NAMESPACE``); the operator may get and create that one Secret and nothing else
(chart RBAC). Keys never reach a log line: only their public halves are logged.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field

from fogcompute_mixnode.routing import DIRECTORY_NAMESPACE, keypair_from_secret
from nacl.signing import SigningKey

from fogcompute_operator.kube import SECRETS, Body, KubeApi, object_key

SIGNING_KEY = "directory-signing-key"
VRF_KEY = "vrf-secret-key"


@dataclass(frozen=True)
class MixnetKeys:
    signing_seed: bytes = field(repr=False)
    vrf_secret: bytes = field(repr=False)

    @property
    def signer_public_key(self) -> bytes:
        return bytes(SigningKey(self.signing_seed).verify_key)

    @property
    def vrf_public_key(self) -> bytes:
        return keypair_from_secret(self.vrf_secret).public_key


def _encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _secret_body(name: str, keys: MixnetKeys) -> Body:
    encode = _encode
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": name,
            "namespace": DIRECTORY_NAMESPACE,
            "labels": {"app.kubernetes.io/managed-by": "fog-compute-operator"},
        },
        "data": {SIGNING_KEY: encode(keys.signing_seed), VRF_KEY: encode(keys.vrf_secret)},
    }


def keys_from_secret(body: Body) -> MixnetKeys:
    """The keys a Secret holds; ValueError naming the key when one is missing or malformed."""
    data = body.get("data") or {}
    found = {}
    for name in (SIGNING_KEY, VRF_KEY):
        try:
            raw = base64.b64decode(str(data.get(name) or ""), validate=True)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            where = f"{DIRECTORY_NAMESPACE}/{(body.get('metadata') or {}).get('name')}"
            raise ValueError(
                f"Secret {where} data.{name}: expected 32 bytes (base64); delete the Secret "
                "to have the operator create new keys (published directories then change signer)"
            )
        found[name] = raw
    return MixnetKeys(signing_seed=found[SIGNING_KEY], vrf_secret=found[VRF_KEY])


async def load_or_create_keys(api: KubeApi, *, secret: str) -> MixnetKeys:
    """The keys of Secret ``secret``, created with fresh random keys when it does not exist."""
    key = object_key(DIRECTORY_NAMESPACE, secret)
    held = await api.get(SECRETS, key)
    if held is None:
        fresh = MixnetKeys(signing_seed=os.urandom(32), vrf_secret=os.urandom(32))
        held = await api.create(SECRETS, _secret_body(secret, fresh))
        if held is None:  # another operator created it first: read theirs
            held = await api.get(SECRETS, key)
        if held is None:
            raise RuntimeError(f"Secret {key} was neither created nor found")
    return keys_from_secret(held)
