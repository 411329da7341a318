"""Judging one attempt from its pods: still running, succeeded, failed or evicted.

Called by ``deciding`` for the job's current attempt. Pure. The rule, for ``replicas`` pods of
which ``minAvailable`` must succeed (``tolerance = replicas - minAvailable`` may be lost):

- more failed pods than the tolerance: the attempt Failed (counts against ``backoffLimit``);
- else more failed-or-evicted-or-deleted pods than the tolerance: the attempt was Evicted
  (counts against ``evictionLimit`` only; a pod missing from a recorded attempt was deleted,
  for instance by the Eviction API, and counts as evicted);
- else every pod has ended and at least ``minAvailable`` succeeded: Succeeded;
- else it is still running, with its ready count.

An ending carries the exit code of the pod it names (the first failed or evicted pod; for a
success, the first succeeded pod that reports one), or None when that pod reports none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fogcompute_operator.fogjobs.views import PodView

VerdictKind = Literal["Running", "Succeeded", "Failed", "Evicted"]
_REASON = re.compile(r"^[A-Z][A-Za-z0-9]*$")


@dataclass(frozen=True)
class Verdict:
    """How an attempt stands; ``reason``/``message`` explain an ending."""

    kind: VerdictKind
    ready: int = 0
    running: int = 0
    succeeded: int = 0
    reason: str = ""
    message: str = ""
    exit_code: int | None = None


def _reason_of(pod: PodView, fallback: str) -> str:
    return pod.reason if _REASON.match(pod.reason or "") else fallback


def _explain(pod: PodView, what: str) -> str:
    detail = f": {pod.message}" if pod.message else ""
    reason = f" ({pod.reason})" if pod.reason else ""
    return f"pod {pod.name} on {pod.node or 'no node'} {what}{reason}{detail}"


def judge(pods: Sequence[PodView], *, attempt: int, replicas: int, min_available: int) -> Verdict:
    """The verdict on ``attempt`` of a job with ``replicas`` pods, from the pods that exist."""
    mine = {p.replica: p for p in pods if p.attempt == attempt and p.replica < replicas}
    tolerance = replicas - min_available
    failed = [p for p in mine.values() if p.phase == "Failed" and not p.evicted]
    evicted = [p for p in mine.values() if p.lost and p not in failed]
    missing = [r for r in range(replicas) if r not in mine]
    if len(failed) > tolerance:
        pod = failed[0]
        return Verdict(
            "Failed",
            reason=_reason_of(pod, "PodFailed"),
            message=_explain(pod, "failed"),
            exit_code=pod.exit_code,
        )
    if len(failed) + len(evicted) + len(missing) > tolerance:
        if evicted:
            pod = evicted[0]
            return Verdict(
                "Evicted",
                reason=_reason_of(pod, "Evicted"),
                message=_explain(pod, "was evicted"),
                exit_code=pod.exit_code,
            )
        message = f"pod of replica {missing[0]} of attempt {attempt} was deleted"
        return Verdict("Evicted", reason="PodDeleted", message=message)
    done = [p for p in mine.values() if p.phase == "Succeeded"]
    succeeded = len(done)
    alive = [p for p in mine.values() if not p.terminal and not p.lost]
    if not alive and succeeded >= min_available:
        codes = [p.exit_code for p in done if p.exit_code is not None]
        return Verdict("Succeeded", succeeded=succeeded, exit_code=codes[0] if codes else None)
    return Verdict(
        "Running",
        ready=sum(1 for p in alive if p.ready),
        running=sum(1 for p in alive if p.phase == "Running"),
        succeeded=succeeded,
    )
