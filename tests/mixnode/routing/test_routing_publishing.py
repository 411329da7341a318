"""Building the epoch directory from MixNodes: who is in, and the reason for each one left out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fogcompute_api.conditions import Condition
from fogcompute_api.mixnodes import EpochKey, MixNode, MixNodeSpec, MixNodeStatus
from fogcompute_api.objects import ObjectMeta
from fogcompute_mixnode.routing import build_epoch_directory, open_signed_directory
from routing_testing import EPOCH, VRF_PUBLIC, signed

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _condition(kind: str, status: str = "True") -> Condition:
    return Condition(type=kind, status=status, reason="Test", last_transition_time=NOW)


def make_mixnode(name: str, *, layer: int = 0, **status: Any) -> MixNode:
    fields: dict[str, Any] = {
        "address": f"10.1.{layer}.1:9001",
        "identity_key": "11" * 32,
        "keys": (
            EpochKey(epoch=EPOCH - 1, public_key="aa" * 32),
            EpochKey(epoch=EPOCH, public_key="bb" * 32),
            EpochKey(epoch=EPOCH + 1, public_key="cc" * 32),
        ),
        "reliability": 0.9875,
        "stake": "5000",
        "conditions": (_condition("Ready"),),
    }
    fields.update(status)
    enabled = fields.pop("enabled", True)
    return MixNode(
        metadata=ObjectMeta(name=name),
        spec=MixNodeSpec(node_name=f"edge-{name}", layer=layer, enabled=enabled),
        status=MixNodeStatus(**fields),
    )


def test_a_ready_mixnode_becomes_a_record_with_integer_weights() -> None:
    built = build_epoch_directory(
        [make_mixnode("m1", layer=2)], epoch=EPOCH, vrf_public_key=VRF_PUBLIC
    )
    (record,) = built.directory.nodes
    assert (record.layer, record.address, record.stake) == (2, "10.1.2.1:9001", 5000)
    assert record.reliability_ppm == 987_500
    assert sorted(record.public_keys) == [EPOCH, EPOCH + 1]  # the past epoch is not published
    assert built.skipped == {}
    assert open_signed_directory(signed(built.directory)).directory == built.directory


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"conditions": ()}, "not Ready"),
        ({"conditions": (_condition("Ready", "False"),)}, "not Ready"),
        ({"conditions": (_condition("Ready"), _condition("Jailed"))}, "Jailed"),
        ({"enabled": False}, "spec.enabled is false"),
        ({"address": None}, "status.address"),
        ({"keys": (EpochKey(epoch=EPOCH + 1, public_key="cc" * 32),)}, f"epoch {EPOCH}"),
        ({"reliability": None}, "no measured reliability"),
    ],
)
def test_ineligible_mixnodes_are_skipped_with_a_reason(
    changes: dict[str, Any], reason: str
) -> None:
    built = build_epoch_directory(
        [make_mixnode("ok"), make_mixnode("bad", **changes)],
        epoch=EPOCH,
        vrf_public_key=VRF_PUBLIC,
    )
    assert [n.name for n in built.directory.nodes] == ["ok"]
    assert reason in built.skipped["bad"]


def test_unbonded_nodes_weigh_by_reliability_alone() -> None:
    built = build_epoch_directory(
        [make_mixnode("m", stake=None)], epoch=EPOCH, vrf_public_key=VRF_PUBLIC, default_stake=1
    )
    assert built.directory.nodes[0].weight == 987_500
