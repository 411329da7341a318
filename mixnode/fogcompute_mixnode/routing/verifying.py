"""Checking a Circuit's path from public data: the published directory and the VRF proof.

Sits on top of the routing core, beside ``proving``; ``fogctl circuit verify`` (client) calls
``verify_circuit`` with the Circuit as the API returns it and the epoch's opened (signature
checked) directory. Pure: it recomputes, compares and lists every reason the circuit fails;
it never raises for a tampered status (a malformed field is a reason, not a crash).

Checks, in order: the status carries an epoch, a path and a proof; the epoch is the
directory's; the VRF key is the one the directory publishes; ``alpha`` binds this circuit's
uid, the epoch and the directory digest; the proof verifies and its output is ``beta``; the
path drawn from ``beta`` (``drawing``) is the path in the status, hop by hop.
"""

from __future__ import annotations

from dataclasses import dataclass

from fogcompute_api.circuits import Circuit

from fogcompute_mixnode.routing import ecvrf
from fogcompute_mixnode.routing.drawing import NoEligibleNodeError, circuit_alpha, draw_path
from fogcompute_mixnode.routing.proving import hops_of, request_from_spec
from fogcompute_mixnode.routing.signing import OpenedDirectory

__all__ = ["CircuitVerdict", "verify_circuit"]


@dataclass(frozen=True)
class CircuitVerdict:
    """``valid`` with no reasons, or the list of what does not hold."""

    circuit: str
    epoch: int | None
    reasons: tuple[str, ...]
    path: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.reasons


def _hex(value: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        return b""


def _path_reasons(circuit: Circuit, opened: OpenedDirectory, beta: bytes) -> list[str]:
    assert circuit.status is not None
    directory = opened.directory
    try:
        drawn = draw_path(beta=beta, directory=directory, request=request_from_spec(circuit.spec))
    except NoEligibleNodeError as error:
        return [f"the draw from the proof's output fails: {error}"]
    expected = hops_of(drawn, epoch=directory.epoch)
    actual = tuple(sorted(circuit.status.path, key=lambda h: h.layer))
    reasons = []
    for want, have in zip(expected, actual, strict=False):
        if want != have:
            reasons.append(
                f"status.path layer {want.layer}: the draw gives {want.mix_node} "
                f"({want.address}, key {want.public_key[:16]}..), the status names "
                f"{have.mix_node} ({have.address}, key {have.public_key[:16]}..)"
            )
    if len(actual) != len(expected):
        reasons.append(f"status.path has {len(actual)} hops, the draw gives {len(expected)}")
    return reasons


def verify_circuit(circuit: Circuit, *, opened: OpenedDirectory) -> CircuitVerdict:
    """Every reason ``circuit``'s status is not the draw the directory and proof give."""
    name = f"{circuit.metadata.namespace or 'default'}/{circuit.metadata.name}"
    status = circuit.status
    if status is None or status.vrf is None or status.epoch is None or not status.path:
        return CircuitVerdict(
            circuit=name,
            epoch=None if status is None else status.epoch,
            reasons=("the circuit has no drawn path yet (status.epoch, path, vrf are unset)",),
        )
    directory, vrf = opened.directory, status.vrf
    reasons = []
    if status.epoch != directory.epoch:
        reasons.append(
            f"status.epoch is {status.epoch} but the directory is for epoch {directory.epoch}; "
            "verify against that epoch's directory"
        )
    public_key = _hex(vrf.public_key)
    if public_key != directory.vrf_public_key:
        reasons.append("status.vrf.publicKey is not the VRF key the signed directory publishes")
    uid = circuit.metadata.uid or ""
    try:
        expected_alpha = circuit_alpha(
            circuit_uid=uid, epoch=status.epoch, digest=opened.digest
        ).hex()
    except ValueError as error:
        expected_alpha = ""
        reasons.append(f"cannot rebuild the VRF input: {error}")
    if expected_alpha and vrf.alpha != expected_alpha:
        reasons.append(
            "status.vrf.alpha does not bind this circuit's uid, status.epoch and the "
            "directory's digest"
        )
    beta = ecvrf.verify(public_key=public_key, alpha=_hex(vrf.alpha), proof=_hex(vrf.proof))
    if beta is None:
        reasons.append("status.vrf.proof does not verify for status.vrf.alpha under the VRF key")
    elif beta.hex() != vrf.output:
        reasons.append("status.vrf.output is not the output of status.vrf.proof")
    if beta is not None and not reasons:
        reasons.extend(_path_reasons(circuit, opened, beta))
    return CircuitVerdict(
        circuit=name,
        epoch=status.epoch,
        reasons=tuple(reasons),
        path=tuple(h.mix_node for h in sorted(status.path, key=lambda h: h.layer)),
    )
