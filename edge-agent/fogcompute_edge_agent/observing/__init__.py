"""What the agent tells people: JSON logs, Prometheus metrics, health endpoints."""

from fogcompute_edge_agent.observing.logs import JsonLines, configure_logging
from fogcompute_edge_agent.observing.metrics import AgentMetrics

__all__ = ["AgentMetrics", "JsonLines", "configure_logging"]
