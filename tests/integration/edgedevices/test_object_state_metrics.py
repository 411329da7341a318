"""The running operator's object-state metrics (``controlling.gauging``), which the chart's
alerts read: a FogJob's phase and an EdgeDevice's Ready condition as the API server holds them,
scraped from the real process's /metrics, and gone once the object is."""

from __future__ import annotations

from typing import Any

from operator_cluster import Cluster, fogjob
from prometheus_client.parser import text_string_to_metric_families


def samples(cluster: Cluster, family: str) -> list[dict[str, str]]:
    """The label sets of ``family``'s samples whose value is 1."""
    for found in text_string_to_metric_families(cluster.operator.metrics()):
        if found.name == family:
            return [dict(s.labels) for s in found.samples if s.value == 1]
    return []


def test_phases_and_conditions_are_served_as_the_api_holds_them(cluster: Cluster) -> None:
    name, device = "unplaceable", f"ghost-{cluster.namespace}"
    cluster.apply(fogjob(name, nodeSelector={"fogcompute.io/test": "no-such-node"}))
    cluster.kubectl(
        "apply", "-f", "-",
        input=f"apiVersion: fogcompute.io/v1alpha1\nkind: EdgeDevice\nmetadata:\n  name: {device}\n"
        f"spec:\n  nodeName: {device}\n",
    )  # fmt: skip
    job = {"kind": "FogJob", "object_namespace": cluster.namespace, "object_name": name}
    ghost = {"kind": "EdgeDevice", "object_namespace": "", "object_name": device}
    try:
        pending = cluster.wait_job(
            name, "Pending (no node fits)", lambda j: j["status"].get("phase") == "Pending"
        )
        assert pending["status"]["phase"] == "Pending"

        def served() -> tuple[bool | None, Any]:
            phases = [
                s for s in samples(cluster, "fogcompute_object_phase") if job.items() <= s.items()
            ]
            ready = [
                s for s in samples(cluster, "fogcompute_object_condition")
                if ghost.items() <= s.items() and s["condition"] == "Ready"
            ]  # fmt: skip
            seen = (phases, ready)
            want = phases == [{**job, "phase": "Pending"}] and [s["status"] for s in ready] == [
                "Unknown"
            ]
            return (True if want else None), seen

        cluster.wait_for("the FogJob Pending and the EdgeDevice Ready=Unknown on /metrics", served)
    finally:
        cluster.kubectl("delete", "edgedevice", device, "--wait=true", check=False)

    def forgotten() -> tuple[bool | None, Any]:
        left = [
            s for s in samples(cluster, "fogcompute_object_condition") if ghost.items() <= s.items()
        ]
        return (True if not left else None), left

    cluster.wait_for(f"EdgeDevice {device} to leave /metrics once deleted", forgotten)
