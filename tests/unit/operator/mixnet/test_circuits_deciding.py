"""Circuit draws as pure decisions: first draw, keep, redraw around a hop, expiry, no directory.

The directory is built and signed with the real routing core; every drawn status is checked
with ``verify_circuit``, the function ``fogctl circuit verify`` runs.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from fogcompute_api.circuits import Circuit
from fogcompute_mixnode.routing import (
    EpochDirectory,
    MixNodeRecord,
    OpenedDirectory,
    keypair_from_secret,
    open_signed_directory,
    sign_directory,
    verify_circuit,
)
from fogcompute_operator.circuits import Decision, decide, hop_problem

T0 = datetime(2030, 1, 1, tzinfo=UTC)
VRF = hashlib.sha256(b"unit vrf").digest()
SIGNER = hashlib.sha256(b"unit signer").digest()
UID = "5f0c6d3e-1111-2222-3333-444455556666"


def directory(epoch: int, *, without: str = "") -> OpenedDirectory:
    nodes = [
        MixNodeRecord(
            name=f"mix-{layer}-{i}",
            node_id=hashlib.sha256(f"{layer}{i}".encode()).digest(),
            layer=layer,
            address=f"127.0.0.1:{9000 + 10 * layer + i}",
            public_keys={epoch: hashlib.sha256(f"{layer}{i}{epoch}".encode()).digest()},
            reliability_ppm=990_000,
            stake=1,
        )
        for layer in range(3)
        for i in range(2)
        if f"mix-{layer}-{i}" != without
    ]
    built = EpochDirectory(
        epoch=epoch, vrf_public_key=keypair_from_secret(VRF).public_key, nodes=tuple(nodes)
    )
    return open_signed_directory(sign_directory(built, signing_key=SIGNER))


def circuit(status: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "Circuit",
        "metadata": {"name": "c1", "namespace": "ns", "uid": UID, "generation": 1},
        "spec": {"hops": 3, "ttlSeconds": 60},
    }
    if status is not None:
        body["status"] = status
    return body


def step(
    body: dict[str, Any],
    *,
    opened: OpenedDirectory | None,
    now: float = 0.0,
    problems: dict[str, str] | None = None,
) -> Decision:
    return decide(
        circuit=Circuit.model_validate(body),
        body=body,
        directory=opened,
        problems=problems or {},
        vrf_secret=VRF,
        now=T0 + timedelta(seconds=now),
        seconds_to_next_epoch=5.0,
    )


def path(decision: Decision) -> list[str]:
    return [h["mixNode"] for h in sorted(decision.status["path"], key=lambda h: h["layer"])]


def ready(decision: Decision) -> tuple[str, str]:
    (found,) = [c for c in decision.status["conditions"] if c["type"] == "Ready"]
    return found["status"], found["reason"]


def test_a_first_draw_verifies_and_is_kept_on_a_second_look() -> None:
    opened = directory(3)
    first = step(circuit(), opened=opened)
    assert first.status["phase"] == "Established"
    assert ready(first) == ("True", "Established")
    assert next(e.reason for e in first.events) == "PathDrawn"
    drawn = circuit(first.status)
    assert verify_circuit(Circuit.model_validate(drawn), opened=opened).valid
    again = step(drawn, opened=opened, now=1)
    assert not again.changed
    assert again.events == ()
    assert again.requeue_after == 59


def test_no_directory_leaves_it_pending() -> None:
    decision = step(circuit(), opened=None)
    assert decision.status["phase"] == "Pending"
    assert ready(decision) == ("False", "NoDirectory")


def test_a_broken_hop_waits_for_the_next_directory_then_is_routed_around() -> None:
    first = step(circuit(), opened=directory(3))
    dead = path(first)[1]
    problems = {dead: f"MixNode {dead} is not Ready (MixnodeDown)"}
    same = step(circuit(first.status), opened=directory(3), problems=problems, now=2)
    assert ready(same) == ("False", "HopUnavailable")
    assert path(same) == path(first)
    assert same.requeue_after == 5.0
    later = directory(4, without=dead)
    redrawn = step(circuit(same.status), opened=later, problems=problems, now=6)
    assert dead not in path(redrawn)
    assert redrawn.status["epoch"] == 4
    assert redrawn.status["vrf"]["proof"] != first.status["vrf"]["proof"]
    assert "PathRedrawn" in [e.reason for e in redrawn.events]
    assert ready(redrawn) == ("True", "Established")
    assert verify_circuit(Circuit.model_validate(circuit(redrawn.status)), opened=later).valid


def test_expiry_redraws_from_the_newest_directory() -> None:
    first = step(circuit(), opened=directory(3))
    expired = step(circuit(first.status), opened=directory(5), now=61)
    assert expired.status["epoch"] == 5
    assert expired.status["establishedTime"] == "2030-01-01T00:01:01Z"
    assert "PathRedrawn" in [e.reason for e in expired.events]


def test_a_layer_without_nodes_is_reported_not_raised() -> None:
    opened = directory(3, without="mix-2-0")
    empty = open_signed_directory(
        sign_directory(
            EpochDirectory(
                epoch=3,
                vrf_public_key=opened.directory.vrf_public_key,
                nodes=tuple(n for n in opened.directory.nodes if n.layer != 2),
            ),
            signing_key=SIGNER,
        )
    )
    decision = step(circuit(), opened=empty)
    assert ready(decision) == ("False", "NoEligibleNode")
    assert decision.status["phase"] == "Pending"


def test_hop_problems() -> None:
    def node(status: str, reason: str, **extra: Any) -> dict[str, Any]:
        conditions = [{"type": "Ready", "status": status, "reason": reason}]
        conditions += [{"type": "Jailed", "status": "True"}] if extra.pop("jailed", False) else []
        return {"status": {"conditions": conditions, **extra}}

    assert hop_problem(None, name="m", minimum=0) == "MixNode m is gone"
    assert hop_problem(node("True", "Serving"), name="m", minimum=0) is None
    assert "not Ready (AgentSilent)" in str(
        hop_problem(node("Unknown", "AgentSilent"), name="m", minimum=0)
    )
    assert "Jailed" in str(hop_problem(node("True", "Serving", jailed=True), name="m", minimum=0))
    low = node("True", "Serving", reliability=0.4)
    assert "below 0.5" in str(hop_problem(low, name="m", minimum=0.5))
