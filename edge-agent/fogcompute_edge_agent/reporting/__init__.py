"""Reporting to the API server: credentials, the API seam, the status builder, the reporter."""

from fogcompute_edge_agent.reporting.credentials import (
    Credentials,
    CredentialsError,
    from_kubeconfig,
    in_cluster,
)
from fogcompute_edge_agent.reporting.kubeapi import FIELD_MANAGER, ApiError, DeviceApi, KubeApi
from fogcompute_edge_agent.reporting.reporter import Reporter
from fogcompute_edge_agent.reporting.statuses import build_status, rfc3339

__all__ = [
    "FIELD_MANAGER",
    "ApiError",
    "Credentials",
    "CredentialsError",
    "DeviceApi",
    "KubeApi",
    "Reporter",
    "build_status",
    "from_kubeconfig",
    "in_cluster",
    "rfc3339",
]
