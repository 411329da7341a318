"""Circuit verification: an honest draw is valid; each tampered part is named as the reason."""

from __future__ import annotations

import pytest
from fogcompute_api.circuits import Circuit, CircuitStatus, Hop
from fogcompute_mixnode.routing import (
    NoEligibleNodeError,
    draw_circuit,
    open_signed_directory,
    verify_circuit,
)
from fogcompute_mixnode.routing.proving import request_from_spec
from routing_testing import (
    EPOCH,
    UID,
    VRF_SECRET,
    make_circuit,
    make_directory,
    make_node,
    signed,
    with_node,
)


def _opened(directory=None):  # type: ignore[no-untyped-def]
    return open_signed_directory(signed(directory or make_directory()))


def _with_status(circuit: Circuit, **changes: object) -> Circuit:
    assert circuit.status is not None
    status = CircuitStatus.model_validate({**circuit.status.model_dump(by_alias=False), **changes})
    return circuit.model_copy(update={"status": status})


@pytest.mark.parametrize("hops", [3, 4, 5])
def test_an_honest_draw_verifies(hops: int) -> None:
    directory = make_directory()
    verdict = verify_circuit(make_circuit(directory, hops=hops), opened=_opened(directory))
    assert verdict.valid, verdict.reasons
    assert len(verdict.path) == hops
    assert verdict.epoch == EPOCH


def test_the_draw_honours_the_spec_filters() -> None:
    directory = make_directory()
    circuit = make_circuit(directory, hops=4, exit_node="mix-3-1", exclude_nodes=("mix-0-0",))
    assert circuit.status is not None
    assert circuit.status.path[-1].mix_node == "mix-3-1"
    assert verify_circuit(circuit, opened=_opened(directory)).valid


def test_a_swapped_hop_is_named() -> None:
    directory = make_directory()
    circuit = make_circuit(directory)
    assert circuit.status is not None
    drawn = circuit.status.path[1].mix_node
    other = next(n for n in directory.nodes if n.layer == 1 and n.name != drawn)
    forged = Hop(
        layer=1,
        mix_node=other.name,
        address=other.address,
        public_key=other.public_keys[EPOCH].hex(),
    )
    path = (circuit.status.path[0], forged, *circuit.status.path[2:])
    verdict = verify_circuit(_with_status(circuit, path=path), opened=_opened(directory))
    assert not verdict.valid
    assert verdict.reasons == (
        f"status.path layer 1: the draw gives {drawn} ({circuit.status.path[1].address}, key "
        f"{circuit.status.path[1].public_key[:16]}..), the status names {other.name} "
        f"({other.address}, key {other.public_keys[EPOCH].hex()[:16]}..)",
    )


def test_a_redirected_hop_address_or_key_is_caught() -> None:
    directory = make_directory()
    circuit = make_circuit(directory)
    assert circuit.status is not None
    hop = circuit.status.path[0]
    for changed in (
        hop.model_copy(update={"address": "198.51.100.1:9001"}),
        hop.model_copy(update={"public_key": "ee" * 32}),
    ):
        path = (changed, *circuit.status.path[1:])
        verdict = verify_circuit(_with_status(circuit, path=path), opened=_opened(directory))
        assert [r.split(":")[0] for r in verdict.reasons] == ["status.path layer 0"]


def test_a_circuit_not_drawn_yet_says_so() -> None:
    circuit = make_circuit(make_directory())
    pending = circuit.model_copy(update={"status": None})
    assert "no drawn path" in verify_circuit(pending, opened=_opened()).reasons[0]


def test_the_operator_cannot_prove_with_a_key_the_directory_does_not_publish() -> None:
    spec = make_circuit(make_directory()).spec
    with pytest.raises(ValueError, match="vrfPublicKey"):
        draw_circuit(
            secret_key=b"\x07" * 32, directory=make_directory(), circuit_uid=UID, spec=spec
        )


def test_an_empty_layer_is_reported_by_the_draw() -> None:
    directory = with_node(
        make_directory(layers=3, per_layer=1), make_node("mix-2-0", layer=2, stake=0)
    )
    spec = make_circuit(make_directory()).spec
    with pytest.raises(NoEligibleNodeError, match="layer 2"):
        draw_circuit(secret_key=VRF_SECRET, directory=directory, circuit_uid=UID, spec=spec)
    assert request_from_spec(spec).hops == 3
