"""Pure pod builders: names, owner reference, labels, resources, binding, test-hook annotations."""

from __future__ import annotations

import pytest
from fogcompute_api.fogjobs import Placement
from fogcompute_operator.fogjobs import (
    ANNOTATION_PLACEMENT,
    PodPlan,
    build_pod,
    job_label_value,
    pod_name,
)
from fogjob_builders import make_fogjob, placement


def plan(replica: int = 0, *, node: str = "fog-1", harvested: bool = False) -> PodPlan:
    payload = placement("fog-1", "fog-2").model_dump_json(by_alias=True)
    return PodPlan(
        attempt=2, replica=replica, node=node, harvested=harvested, placement_json=payload
    )


def test_pod_names_are_deterministic_and_fit_kubernetes_limits() -> None:
    assert pod_name("train", attempt=3, replica=1) == "train-3-1"
    long_a, long_b = "a" * 250, "a" * 249 + "b"
    for name in (long_a, long_b):
        assert len(pod_name(name, attempt=12, replica=15)) <= 253
        assert len(job_label_value(name)) <= 63
    assert pod_name(long_a, attempt=1, replica=0) != pod_name(long_b, attempt=1, replica=0)
    assert job_label_value(long_a) != job_label_value(long_b)
    assert job_label_value("short") == "short"


def test_build_pod_binds_owns_labels_and_requests() -> None:
    job = (
        make_fogjob("train")
        .tier("gold")
        .spec(
            resources={"cpu": "250m", "memory": "64Mi", "gpu": 1},
            container={
                "image": "busybox",
                "command": ["sh"],
                "args": ["-c", "true"],
                "env": [{"name": "A", "value": "1"}],
            },
        )
        .build()
    )
    pod = build_pod(job, plan(1, harvested=True), tier_priority=500)
    metadata, spec = pod["metadata"], pod["spec"]
    assert metadata["name"] == "train-2-1"
    assert metadata["namespace"] == "ns"
    assert metadata["ownerReferences"] == [
        {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "FogJob",
            "name": "train",
            "uid": "uid-train",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    labels = metadata["labels"]
    assert labels["fogcompute.io/fogjob"] == "train"
    assert labels["fogcompute.io/replica"] == "1"
    assert labels["fogcompute.io/attempt"] == "2"
    assert labels["fogcompute.io/tier"] == "gold"
    assert labels["fogcompute.io/harvest"] == "true"
    assert metadata["annotations"]["fogcompute.io/tier-priority"] == "500"
    assert spec["nodeName"] == "fog-1"
    assert spec["restartPolicy"] == "Never"
    assert "priorityClassName" not in spec
    (container,) = spec["containers"]
    expected = {"cpu": "250m", "memory": "64Mi", "nvidia.com/gpu": "1"}
    assert container["resources"] == {"requests": expected, "limits": expected}
    assert container["command"] == ["sh"]
    assert container["args"] == ["-c", "true"]
    assert container["env"] == [{"name": "A", "value": "1"}]
    recorded = Placement.model_validate_json(metadata["annotations"][ANNOTATION_PLACEMENT])
    assert [a.node for a in recorded.assignments] == ["fog-1", "fog-2"]


def test_only_kwok_hook_annotations_are_copied_and_priority_class_is_opt_in() -> None:
    job = (
        make_fogjob("t")
        .annotate("fogcompute.io/kwok-outcome", "Failed")
        .annotate("example.com/other", "x")
        .build()
    )
    pod = build_pod(job, plan(), tier_priority=100, priority_class_prefix="fog-")
    annotations = pod["metadata"]["annotations"]
    assert annotations["fogcompute.io/kwok-outcome"] == "Failed"
    assert "example.com/other" not in annotations
    assert "fogcompute.io/harvest" not in pod["metadata"]["labels"]
    assert pod["spec"]["priorityClassName"] == "fog-bronze"


def test_a_job_without_uid_cannot_own_pods() -> None:
    job = make_fogjob("t").build().model_copy(deep=True)
    job = job.model_copy(update={"metadata": job.metadata.model_copy(update={"uid": None})})
    with pytest.raises(ValueError, match="no uid"):
        build_pod(job, plan(), tier_priority=0)
