"""A Circuit's path: drawn, kept, or redrawn, with its proof. Pure.

The "decide" step of the Circuit reconcile. A Circuit is (re)drawn with
``routing.draw_circuit`` (ECVRF over the circuit's uid, the epoch and the directory digest,
then the weighted per-layer draw) from the newest published directory when:

- it has no path yet (Event ``PathDrawn``);
- a hop is unavailable: its MixNode is gone, not Ready, Jailed, or its measured reliability is
  below ``spec.minReliability`` (``hop_problem``; Event ``PathRedrawn`` naming the hop);
- it expired (``status.expiresTime`` passed; Event ``PathRedrawn``).

A redraw needs a directory of a later epoch than the path's: the draw is a function of the
directory, so the same directory gives the same path. Until the next epoch's directory is
published (the hop is left out of it, being unready), the circuit stays with Ready=False
(``HopUnavailable``) and is looked at again at the boundary: a broken hop is routed around
within one epoch of being reported unavailable. At expiry alone the newest directory is used
even if it is the path's own (a new expiry; the same draw when the epoch has not moved).
Status carries path, epoch, the VRF input, proof, output and public key, ``establishedTime``
and ``expiresTime`` (``spec.ttlSeconds`` later). Ready is True (``Established``) while every
hop of the path is available.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fogcompute_api.circuits import Circuit
from fogcompute_mixnode.routing import NoEligibleNodeError, OpenedDirectory, draw_circuit

from fogcompute_operator.controlling import EventNote, Verdict, apply_verdicts

READY = "Ready"


@dataclass(frozen=True)
class Decision:
    status: dict[str, Any]
    changed: bool
    events: tuple[EventNote, ...]
    requeue_after: float | None


def _true(conditions: Any, type_: str) -> tuple[bool, str]:
    for condition in conditions or ():
        if condition.get("type") == type_:
            return condition.get("status") == "True", str(condition.get("reason") or "")
    return False, "NoCondition"


def hop_problem(mixnode: Mapping[str, Any] | None, *, name: str, minimum: float) -> str | None:
    """Why MixNode ``name`` (its body, or None) cannot carry a circuit's traffic, or None."""
    if mixnode is None:
        return f"MixNode {name} is gone"
    status = mixnode.get("status") or {}
    ready, reason = _true(status.get("conditions"), "Ready")
    if not ready:
        return f"MixNode {name} is not Ready ({reason})"
    jailed, _ = _true(status.get("conditions"), "Jailed")
    if jailed:
        return f"MixNode {name} is Jailed"
    reliability = status.get("reliability")
    if isinstance(reliability, int | float) and reliability < minimum:
        return f"MixNode {name} reliability {reliability:.3f} is below {minimum:g}"
    return None


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class _Plan:
    redraw: str | None  # why a new draw is due, None to keep the path
    event: str
    needs_later_directory: bool = False


def _plan(circuit: Circuit, *, problems: Mapping[str, str], now: datetime) -> _Plan:
    status = circuit.status
    if status is None or not status.path or status.vrf is None or status.epoch is None:
        return _Plan("no path yet", "PathDrawn")
    broken = [problems[h.mix_node] for h in status.path if h.mix_node in problems]
    if broken:
        return _Plan("; ".join(broken), "PathRedrawn", needs_later_directory=True)
    if status.expires_time is not None and now >= status.expires_time:
        return _Plan(f"the path expired at {_stamp(status.expires_time)}", "PathRedrawn")
    return _Plan(None, "")


def decide(
    *,
    circuit: Circuit,
    body: Mapping[str, Any],
    directory: OpenedDirectory | None,
    problems: Mapping[str, str],
    vrf_secret: bytes,
    now: datetime,
    seconds_to_next_epoch: float,
) -> Decision:
    """The circuit's status after one look, its Events, and when to look again."""
    current: Mapping[str, Any] = body.get("status") or {}
    status: dict[str, Any] = dict(current)
    plan = _plan(circuit, problems=problems, now=now)
    held = circuit.status
    wait = seconds_to_next_epoch
    notes: list[EventNote] = []
    if plan.redraw is None:
        verdict = Verdict("True", "Established", f"path drawn in epoch {held and held.epoch}")
        expires = held.expires_time if held is not None else None
        wait = (expires - now).total_seconds() if expires is not None else wait
    elif directory is None:
        verdict = Verdict("False", "NoDirectory", "no mixnet directory is published yet")
    elif (
        plan.needs_later_directory
        and held is not None
        and held.epoch is not None
        and directory.directory.epoch <= held.epoch
    ):
        message = f"{plan.redraw}; redrawn from the directory of epoch {held.epoch + 1}"
        verdict = Verdict("False", "HopUnavailable", message)
        if held.expires_time is not None and now >= held.expires_time:
            status["phase"] = "Expired"
    else:
        try:
            draw = draw_circuit(
                secret_key=vrf_secret,
                directory=directory.directory,
                circuit_uid=circuit.metadata.uid or "",
                spec=circuit.spec,
            )
        except NoEligibleNodeError as exc:
            verdict = Verdict("False", "NoEligibleNode", str(exc))
            status.setdefault("phase", "Pending")
        else:
            expires = now + timedelta(seconds=circuit.spec.ttl_seconds)
            status.update(
                phase="Established",
                epoch=draw.epoch,
                path=[h.model_dump(mode="json", by_alias=True) for h in draw.path],
                vrf=draw.vrf.model_dump(mode="json", by_alias=True),
                establishedTime=_stamp(now),
                expiresTime=_stamp(expires),
            )
            route = " -> ".join(h.mix_node for h in draw.path)
            notes.append(
                EventNote(
                    type="Normal",
                    reason=plan.event,
                    message=f"epoch {draw.epoch}: {route} ({plan.redraw})",
                )
            )
            verdict = Verdict("True", "Established", f"path drawn in epoch {draw.epoch}")
            wait = min(wait, float(circuit.spec.ttl_seconds))
    status.setdefault("phase", "Pending")
    generation = circuit.metadata.generation or 0
    before = circuit.status.conditions if circuit.status is not None else ()
    conditions, events = apply_verdicts(before, {READY: verdict}, now=now, generation=generation)
    status["conditions"] = [c.model_dump(mode="json", by_alias=True) for c in conditions]
    status["observedGeneration"] = generation
    return Decision(
        status=status,
        changed=status != dict(current),
        events=tuple(notes) + events,
        requeue_after=max(wait, 0.0),
    )
