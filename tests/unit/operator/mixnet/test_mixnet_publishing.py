"""The directory publisher and the key Secret against the in-memory API: publish once per
epoch, keep the newest epochs, reopen after a restart, keys created once and read back."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fogcompute_mixnode.routing import open_signed_directory
from fogcompute_operator.controlling import Informer, InformerSpec
from fogcompute_operator.kube import CONFIGMAPS, MIXNODES, SECRETS, ObjectKey
from fogcompute_operator.mixnet import (
    DirectoryBook,
    DirectoryPublisher,
    EpochClock,
    MixnetSettings,
    data_patch,
    keys_from_secret,
    load_or_create_keys,
)
from operator_fakes import FakeKubeApi

CM = ObjectKey("fog-system/fog-mixnet-directory")
KEY = "cd" * 32


def mixnode(name: str, layer: int, *, ready: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "MixNode",
        "metadata": {"name": name, "resourceVersion": "1"},
        "spec": {"nodeName": "edge-0", "layer": layer},
        "status": {
            "address": "127.0.0.1:9001",
            "identityKey": KEY,
            "keys": [{"epoch": e, "publicKey": KEY} for e in range(0, 4)],
            "reliability": 0.9,
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "reason": "Serving",
                    "lastTransitionTime": "2030-01-01T00:00:00Z",
                }
            ],
        },
    }


def test_data_patch_adds_the_epoch_and_drops_the_oldest() -> None:
    data = {f"epoch-{e}.json": "x" for e in (1, 2, 3)}
    patch = data_patch(data, epoch=4, document="doc", keep=2)
    assert patch == {"epoch-1.json": None, "epoch-2.json": None, "epoch-4.json": "doc"}


async def test_keys_are_created_once_and_read_back() -> None:
    api = FakeKubeApi()
    first = await load_or_create_keys(api, secret="fog-mixnet-keys")
    again = await load_or_create_keys(api, secret="fog-mixnet-keys")
    assert first == again
    assert api.calls["create secrets"] == 1
    body = api.objects[SECRETS][ObjectKey("fog-system/fog-mixnet-keys")]
    assert keys_from_secret(body) == first
    assert "b'" not in repr(first)  # no key bytes in a repr (or a log line)


def test_a_malformed_secret_names_the_key_and_the_fix() -> None:
    seed = base64.b64encode(bytes(32)).decode()
    with pytest.raises(ValueError, match=r"k data\.vrf-secret-key: expected 32 bytes"):
        keys_from_secret({"metadata": {"name": "k"}, "data": {"directory-signing-key": seed}})


async def test_publish_once_per_epoch_and_reopen_after_a_restart() -> None:
    api = FakeKubeApi()
    keys = await load_or_create_keys(api, secret="fog-mixnet-keys")
    informer = Informer(InformerSpec(MIXNODES))
    informer.prime([mixnode("mix-a", 0), mixnode("mix-b", 1), mixnode("mix-c", 2, ready=False)])
    settings = MixnetSettings(clock=EpochClock(epoch_seconds=10), keep_epochs=2)
    clock = lambda: datetime(2030, 1, 1, tzinfo=UTC)  # noqa: E731

    def publisher(book: DirectoryBook) -> DirectoryPublisher:
        return DirectoryPublisher(
            api=api, mixnodes=informer, book=book, keys=keys, settings=settings, clock=clock
        )

    told: list[int] = []
    book = DirectoryBook(keep=2)
    book.subscribe(lambda d: told.append(d.epoch))
    first = await publisher(book).ensure(1)
    assert {n.name for n in first.directory.nodes} == {"mix-a", "mix-b"}
    assert told == [1]
    await publisher(book).ensure(2)
    await publisher(book).ensure(3)
    data = api.objects[CONFIGMAPS][CM]["data"]
    assert set(data) == {"epoch-2.json", "epoch-3.json"}
    opened = open_signed_directory(
        json.loads(data["epoch-3.json"]), trusted_keys=(keys.signer_public_key,)
    )
    assert opened.directory.epoch == 3

    informer.prime([mixnode("mix-d", 0)])  # changes after publishing do not rewrite an epoch
    restarted = DirectoryBook()
    reopened = await publisher(restarted).ensure(3)
    assert reopened.digest == opened.digest
    assert api.calls["patch configmaps"] == 2
