"""Unit tests of the resource models: every sample validates, bad input is refused by pydantic."""

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from fogcompute_api import RESOURCES, FogJob, FogJobSpec, resource_kind
from fogcompute_api.circuits import Circuit
from pydantic import BaseModel, ValidationError

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def sample(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((SAMPLES / f"{kind.lower()}.yaml").read_text())
    return loaded


def with_(document: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A copy of ``document`` with ``dotted`` (``spec.policy.minIdleSeconds``) set to ``value``."""
    changed = copy.deepcopy(document)
    *parents, leaf = dotted.split(".")
    node = changed
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return changed


@pytest.mark.parametrize("entry", RESOURCES, ids=lambda e: e.kind)
def test_every_kind_has_a_sample_that_validates(entry: Any) -> None:
    document = sample(entry.kind)
    model: BaseModel = entry.model.model_validate(document)
    assert model.model_dump(mode="json", exclude_none=True)["kind"] == entry.kind
    again = entry.model.model_validate(model.model_dump(mode="json"))
    assert again == model


def test_fields_are_camel_case_on_the_wire_and_snake_case_in_python() -> None:
    job = FogJob.model_validate(sample("FogJob"))
    assert job.spec.min_available == 2
    dumped = job.model_dump(mode="json")
    assert dumped["spec"]["minAvailable"] == 2
    assert dumped["apiVersion"] == "fogcompute.io/v1alpha1"
    assert FogJobSpec(container={"image": "x"}).model_dump()["backoffLimit"] == 3  # type: ignore[arg-type]


def test_models_are_frozen() -> None:
    job = FogJob.model_validate(sample("FogJob"))
    with pytest.raises(ValidationError):
        job.spec.replicas = 5  # type: ignore[misc]


REFUSED = [
    ("edgedevice wrong type", "EdgeDevice", "spec.policy.minIdleSeconds", "soon"),
    ("edgedevice temperature out of range", "EdgeDevice", "spec.policy.maxTemperatureCelsius", 500),
    ("edgedevice no power allowed", "EdgeDevice", "spec.policy.requireAcPower", False),
    ("edgedevice stale before report", "EdgeDevice", "spec.reporting.staleAfterSeconds", 5),
    ("edgedevice unknown field", "EdgeDevice", "spec.harvestable", True),
    ("fogjob replicas wrong type", "FogJob", "spec.replicas", "three"),
    ("fogjob replicas out of range", "FogJob", "spec.replicas", 17),
    ("fogjob unknown tier", "FogJob", "spec.tier", "diamond"),
    ("fogjob minAvailable over replicas", "FogJob", "spec.minAvailable", 4),
    ("fogjob platinum on harvested", "FogJob", "spec.tier", "platinum"),
    ("fogjob cpu not a quantity", "FogJob", "spec.resources.cpu", "lots"),
    ("fogjob image too long", "FogJob", "spec.container.image", "x" * 513),
    ("mixnode layer out of range", "MixNode", "spec.layer", 5),
    ("mixnode layer wrong type", "MixNode", "spec.layer", "entry"),
    ("mixnode node name not DNS", "MixNode", "spec.nodeName", "Not_A_Node"),
    ("circuit too few hops", "Circuit", "spec.hops", 2),
    ("circuit too many hops", "Circuit", "spec.hops", 6),
    ("circuit reliability above 1", "Circuit", "spec.minReliability", 1.5),
    ("stake amount a float", "Stake", "spec.amount", "1.5"),
    ("stake amount a JSON number", "Stake", "spec.amount", 1000),
    ("stake amount leading zero", "Stake", "spec.amount", "0100"),
    ("stake amount zero", "Stake", "spec.amount", "0"),
    ("stake amount 31 digits", "Stake", "spec.amount", "1" * 31),
    ("stake target kind", "Stake", "spec.target.kind", "Pod"),
    ("stake vote option", "Stake", "spec.votes", [{"proposal": "p", "option": "maybe"}]),
    ("proposal no changes", "Proposal", "spec.changes", []),
    (
        "proposal parameter not whitelisted",
        "Proposal",
        "spec.changes",
        [{"parameter": "kube.apiserver", "value": "1"}],
    ),
    (
        "proposal fraction above one",
        "Proposal",
        "spec.changes",
        [{"parameter": "governance.quorum", "value": "1.5"}],
    ),
    (
        "proposal token with decimals",
        "Proposal",
        "spec.changes",
        [{"parameter": "staking.minimumStake", "value": "2.5"}],
    ),
    ("proposal deposit zero", "Proposal", "spec.deposit", "0"),
    ("proposal title too long", "Proposal", "spec.title", "t" * 141),
]


@pytest.mark.parametrize(("name", "kind", "path", "value"), REFUSED, ids=[c[0] for c in REFUSED])
def test_models_refuse_bad_input(name: str, kind: str, path: str, value: Any) -> None:
    entry = resource_kind(kind)
    document = sample(kind)
    if name == "fogjob platinum on harvested":
        assert document["spec"]["allowHarvested"] is True
    entry.model.model_validate(document)
    with pytest.raises(ValidationError):
        entry.model.model_validate(with_(document, path, value))


def test_circuit_status_path_must_match_hops() -> None:
    document = sample("Circuit")
    hop = {"layer": 0, "mixNode": "m0", "address": "127.0.0.1:1", "publicKey": "ab" * 32}
    path = [hop | {"layer": i, "mixNode": f"m{i}"} for i in range(3)]
    Circuit.model_validate(with_(document, "status", {"path": path}))
    with pytest.raises(ValidationError, match=r"spec\.hops"):
        Circuit.model_validate(with_(document, "status", {"path": path[:2]}))
    duplicated = [path[0], path[0] | {"mixNode": "m9"}, path[2]]
    with pytest.raises(ValidationError, match="one hop per layer"):
        Circuit.model_validate(with_(document, "status", {"path": duplicated}))


def test_resource_kind_lookup() -> None:
    assert resource_kind("fogjobs") is resource_kind("FogJob")
    with pytest.raises(KeyError, match="Pod"):
        resource_kind("Pod")
