"""Hysteresis over the policy's verdicts: resume slowly, stop at once.

Third step of the agent's flow, after ``policy.judge``. The rule:
- harvestable -> not harvestable on the first ineligible verdict (no delay);
- not harvestable -> harvestable only after ``resume_delay`` seconds of *continuous*
  eligibility (one ineligible verdict restarts the wait);
- a new gate starts not harvestable, waiting like any resume.
Pure apart from its own state; time comes from the caller (fake clocks in tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from fogcompute_edge_agent.harvesting.policy import Verdict

__all__ = ["GateDecision", "HarvestGate"]

RESUME_DELAY = "ResumeDelay"


@dataclass(frozen=True)
class GateDecision:
    """Whether the device is harvestable now, why, since when, and whether that just changed."""

    harvestable: bool
    reason: str
    message: str
    since: float
    changed: bool


@dataclass
class HarvestGate:
    """The only state between rounds: whether harvestable, and since when eligible."""

    harvestable: bool = False
    since: float | None = None
    eligible_since: float | None = None

    def update(self, verdict: Verdict, *, now: float, resume_delay: float) -> GateDecision:
        was = self.harvestable
        if self.since is None:
            self.since = now
        if not verdict.eligible:
            self.eligible_since = None
            if was:
                self.harvestable, self.since = False, now
            return GateDecision(False, verdict.reason, verdict.message, self.since, was)
        if self.eligible_since is None:
            self.eligible_since = now
        if not was and now - self.eligible_since >= resume_delay:
            self.harvestable, self.since = True, now
        if self.harvestable:
            return GateDecision(True, verdict.reason, verdict.message, self.since, not was)
        waited = now - self.eligible_since
        message = f"eligible for {waited:.0f} s of the {resume_delay:.0f} s resume delay"
        return GateDecision(False, RESUME_DELAY, message, self.since, False)
