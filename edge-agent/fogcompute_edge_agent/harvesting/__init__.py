"""The harvest decision: a pure policy over one round of readings, then hysteresis."""

from fogcompute_edge_agent.harvesting.gating import GateDecision, HarvestGate
from fogcompute_edge_agent.harvesting.policy import ELIGIBLE, Verdict, judge

__all__ = ["ELIGIBLE", "GateDecision", "HarvestGate", "Verdict", "judge"]
