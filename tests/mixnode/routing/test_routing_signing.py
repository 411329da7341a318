"""The signed directory: canonical bytes, Ed25519 signature, tamper and untrusted-signer checks."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest
from fogcompute_mixnode.directory import directory_from_epoch
from fogcompute_mixnode.routing import (
    DirectoryFormatError,
    DirectorySignatureError,
    canonical_bytes,
    directory_digest,
    open_signed_directory,
    parse_epoch_directory,
    render_epoch_directory,
)
from nacl.signing import SigningKey
from routing_testing import EPOCH, SIGNING_SEED, make_directory, signed

SIGNER = bytes(SigningKey(SIGNING_SEED).verify_key)


def test_a_signed_directory_opens_with_the_pinned_key() -> None:
    directory = make_directory()
    opened = open_signed_directory(signed(directory), trusted_keys=[SIGNER])
    assert opened.directory == directory
    assert opened.digest == directory_digest(directory)
    assert opened.pinned
    assert opened.signer_key == SIGNER


def test_the_document_survives_a_json_round_trip_byte_for_byte() -> None:
    directory = make_directory()
    document = json.loads(json.dumps(signed(directory)))
    again = open_signed_directory(document, trusted_keys=[SIGNER]).directory
    assert canonical_bytes(again) == canonical_bytes(directory)


def test_canonical_bytes_are_sorted_compact_and_float_free() -> None:
    text = canonical_bytes(make_directory(layers=1, per_layer=1)).decode()
    assert text.startswith('{"epoch":7,"nodes":[{"address":')
    assert " " not in text
    assert '"stake":"1000"' in text

    def numbers(value: Any) -> list[Any]:
        if isinstance(value, dict):
            return [n for v in value.values() for n in numbers(v)]
        if isinstance(value, list):
            return [n for v in value for n in numbers(v)]
        return [value] if isinstance(value, int | float) else []

    assert all(type(n) is int for n in numbers(json.loads(text)))


def _tampered(change: str) -> dict[str, Any]:
    document = copy.deepcopy(signed(make_directory()))
    node = document["directory"]["nodes"][0]
    if change == "stake":
        node["stake"] = str(int(node["stake"]) * 10)
    elif change == "reliability":
        node["reliabilityPpm"] = 1_000_000
    elif change == "layer":
        node["layer"] = (node["layer"] + 1) % 5
    elif change == "key":
        node["publicKeys"][str(EPOCH)] = "ab" * 32
    elif change == "address":
        node["address"] = "203.0.113.9:9001"
    elif change == "epoch":
        document["directory"]["epoch"] += 1
    elif change == "vrf-key":
        document["directory"]["vrfPublicKey"] = "cd" * 32
    elif change == "dropped-node":
        del document["directory"]["nodes"][0]
    elif change == "signature":
        sig = bytearray(bytes.fromhex(document["signature"]))
        sig[5] ^= 1
        document["signature"] = sig.hex()
    return document


CHANGES = [
    "stake",
    "reliability",
    "layer",
    "key",
    "address",
    "epoch",
    "vrf-key",
    "dropped-node",
    "signature",
]


@pytest.mark.parametrize("change", CHANGES)
def test_any_tampered_field_breaks_the_signature(change: str) -> None:
    with pytest.raises(DirectorySignatureError, match="does not verify"):
        open_signed_directory(_tampered(change), trusted_keys=[SIGNER])
    with pytest.raises(DirectorySignatureError, match="does not verify"):
        open_signed_directory(_tampered(change))  # unpinned: integrity is still checked


def test_a_directory_re_signed_by_another_key_is_refused_when_pinned() -> None:
    forged = signed(make_directory(), seed=hashlib.sha256(b"attacker").digest())
    with pytest.raises(DirectorySignatureError, match="not a trusted key"):
        open_signed_directory(forged, trusted_keys=[SIGNER])
    assert open_signed_directory(forged).pinned is False  # opens, but says it is not pinned


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.pop("signature"), "signature"),
        (lambda d: d.update(signerKey="zz"), "signerKey"),
        (lambda d: d["directory"].update(version=2), "version"),
        (lambda d: d["directory"]["nodes"][0].update(stake=1000), "stake"),
        (lambda d: d["directory"]["nodes"][0].update(stake="-5"), "stake"),
        (lambda d: d["directory"]["nodes"][0].update(reliabilityPpm=0.9), "reliabilityPpm"),
        (lambda d: d["directory"]["nodes"][0].update(layer=9), "layer"),
        (lambda d: d["directory"]["nodes"][0].update(address="nowhere"), "address"),
        (lambda d: d["directory"]["nodes"][0].update(nodeId="00"), "nodeId"),
        (lambda d: d["directory"]["nodes"][0].update(publicKeys={"x": "00" * 32}), "publicKeys"),
        (lambda d: d["directory"]["nodes"][0].update(name="Bad_Name"), "name"),
        (lambda d: d["directory"].update(nodes="none"), "nodes"),
    ],
)
def test_malformed_documents_name_the_field(mutate: Any, field: str) -> None:
    document = copy.deepcopy(signed(make_directory()))
    mutate(document)
    with pytest.raises(DirectoryFormatError, match=field):
        open_signed_directory(document, trusted_keys=[SIGNER])


def test_duplicate_names_are_refused() -> None:
    document = render_epoch_directory(make_directory())
    document["nodes"].append(document["nodes"][0])
    with pytest.raises(DirectoryFormatError, match="share a name"):
        parse_epoch_directory(document)


def test_the_published_directory_becomes_the_clients_routing_table() -> None:
    directory = make_directory(layers=3, per_layer=2)
    table = directory_from_epoch(directory)
    assert len(table.layers()) == 3
    first = directory.nodes[0]
    entry = table.node(first.node_id)
    assert entry is not None
    assert f"{entry.host}:{entry.port}" == first.address
    assert entry.public_keys[EPOCH] == first.public_keys[EPOCH]
