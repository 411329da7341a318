"""What the FogJob controller needs to know about one pod, read from the pod as the API holds it.

First step of tracking: the controller lists a job's pods and turns each into a frozen
``PodView`` here; ``deciding`` then works on views only. Pure: a dict in, a value out.

A pod counts as evicted (re-placed without counting against ``backoffLimit``) when:
- it ended ``Failed`` with ``status.reason`` ``Evicted`` (the kubelet's and the edge agent's
  eviction of a pod whose device stopped being harvestable), or ``Preempting``/``Shutdown``
  style node reasons listed in ``EVICTION_REASONS``; or
- it carries the condition ``DisruptionTarget=True`` (the Eviction API, taint eviction,
  preemption); or
- it is being deleted while still running (someone evicted or deleted it).

Its ``exit_code`` is the container's ``state.terminated.exitCode`` (the first non-zero one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from fogcompute_api.meta import LABEL_ATTEMPT, LABEL_REPLICA

from fogcompute_operator.fogjobs.pods import ANNOTATION_PLACEMENT

PodPhase = Literal["Pending", "Running", "Succeeded", "Failed", "Unknown"]
_INT32: Final = (-(2**31), 2**31 - 1)
EVICTION_REASONS: Final = frozenset({"Evicted", "Preempted", "Terminated", "NodeShutdown"})
_PHASES: Final[dict[str, PodPhase]] = {
    "Pending": "Pending",
    "Running": "Running",
    "Succeeded": "Succeeded",
    "Failed": "Failed",
}


@dataclass(frozen=True)
class PodView:
    """One pod of a FogJob: which attempt and replica, where, and how it is doing."""

    name: str
    attempt: int
    replica: int
    node: str
    phase: PodPhase
    ready: bool = False
    evicted: bool = False
    deleting: bool = False
    reason: str = ""
    message: str = ""
    placement_json: str | None = None
    exit_code: int | None = None

    @property
    def terminal(self) -> bool:
        return self.phase in ("Succeeded", "Failed")

    @property
    def lost(self) -> bool:
        """Gone for this attempt: failed, evicted or on its way out."""
        return self.phase == "Failed" or self.evicted or self.deleting


def _int_label(labels: Mapping[str, str], key: str) -> int | None:
    try:
        return int(labels.get(key, ""))
    except ValueError:
        return None


def _condition(status: Mapping[str, Any], type_: str) -> Mapping[str, Any] | None:
    for condition in status.get("conditions") or ():
        if condition.get("type") == type_:
            found: Mapping[str, Any] = condition
            return found
    return None


def _terminated_reason(status: Mapping[str, Any]) -> tuple[str, str]:
    for container in status.get("containerStatuses") or ():
        terminated = (container.get("state") or {}).get("terminated")
        if terminated:
            code = terminated.get("exitCode")
            reason = terminated.get("reason") or "Error"
            return reason, f"container {container.get('name')} exited with code {code}"
    return "", ""


def exit_code_of(status: Mapping[str, Any]) -> int | None:
    """The pod's container exit code (``containerStatuses[].state.terminated.exitCode``): the
    first non-zero one, else 0 when a container ended cleanly; None when none has ended or the
    kubelet reported no int32 (a reading not taken is left out, never invented)."""
    codes = []
    for container in status.get("containerStatuses") or ():
        terminated = (container.get("state") or {}).get("terminated") or {}
        code = terminated.get("exitCode")
        if isinstance(code, int) and not isinstance(code, bool) and _INT32[0] <= code <= _INT32[1]:
            codes.append(code)
    return next((c for c in codes if c != 0), codes[0] if codes else None)


def parse_pod(body: Mapping[str, Any]) -> PodView | None:
    """The view of a pod, or None when it lacks the attempt/replica labels we put on ours."""
    metadata = body.get("metadata") or {}
    labels = metadata.get("labels") or {}
    attempt, replica = _int_label(labels, LABEL_ATTEMPT), _int_label(labels, LABEL_REPLICA)
    if attempt is None or replica is None:
        return None
    status = body.get("status") or {}
    phase = _PHASES.get(status.get("phase") or "Pending", "Unknown")
    reason = status.get("reason") or ""
    message = status.get("message") or ""
    if phase == "Failed" and not reason:
        reason, message = _terminated_reason(status)
    disruption = _condition(status, "DisruptionTarget")
    ready = _condition(status, "Ready")
    deleting = metadata.get("deletionTimestamp") is not None
    evicted = (phase == "Failed" and reason in EVICTION_REASONS) or (
        disruption is not None and disruption.get("status") == "True"
    )
    if evicted and disruption is not None and not reason:
        reason = disruption.get("reason") or "DisruptionTarget"
        message = disruption.get("message") or message
    return PodView(
        name=metadata.get("name", ""),
        attempt=attempt,
        replica=replica,
        node=(body.get("spec") or {}).get("nodeName") or "",
        phase=phase,
        ready=phase == "Running" and ready is not None and ready.get("status") == "True",
        evicted=evicted,
        deleting=deleting,
        reason=reason,
        message=message,
        placement_json=(metadata.get("annotations") or {}).get(ANNOTATION_PLACEMENT),
        exit_code=exit_code_of(status),
    )


def owned_by(body: Mapping[str, Any], uid: str) -> bool:
    """Whether the pod's controller owner reference is the object with ``uid``."""
    for ref in (body.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller") and ref.get("uid") == uid:
            return True
    return False
