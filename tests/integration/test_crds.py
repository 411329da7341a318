"""The six CRDs against the real API server: Established, samples round-trip with defaults,
printer columns and categories, and bad objects refused with a message naming the field.

Uses the session's real control plane (tests/conftest.py: ``control_plane``, ``crds``,
``namespace``). Every object a test creates is either in its fresh namespace or, for the
cluster-scoped kinds, named after that namespace and deleted at the end of the test.
"""

import copy
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from fogcompute_api import RESOURCES, ResourceKind, resource_kind
from fogcompute_testbed.controlplane import ControlPlane
from pydantic import BaseModel

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
HOP_KEY = "ab" * 32


class Cluster:
    """Creates fog objects through kubectl and removes the cluster-scoped ones afterwards."""

    def __init__(self, plane: ControlPlane, namespace: str) -> None:
        self.plane = plane
        self.namespace = namespace
        self.cluster_scoped: list[tuple[str, str]] = []

    def manifest(self, kind: str) -> dict[str, Any]:
        """The kind's sample, placed in the test's namespace or named after it."""
        entry = resource_kind(kind)
        document: dict[str, Any] = yaml.safe_load((SAMPLES / f"{kind.lower()}.yaml").read_text())
        if entry.scope == "Namespaced":
            document["metadata"]["namespace"] = self.namespace
        else:
            document["metadata"]["name"] = f"{document['metadata']['name']}-{self.namespace}"
        if kind == "EdgeDevice":
            document["spec"]["nodeName"] = document["metadata"]["name"]
        return document

    def create(
        self, document: dict[str, Any], *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        entry = resource_kind(document["kind"])
        result = self.plane.kubectl("create", "-f", "-", input=json.dumps(document), check=check)
        if result.returncode == 0 and entry.scope == "Cluster":
            self.cluster_scoped.append((entry.plural, document["metadata"]["name"]))
        return result

    def patch(
        self,
        document: dict[str, Any],
        patch: dict[str, Any],
        *,
        status: bool = False,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        extra = ["--subresource=status"] if status else []
        return self.plane.kubectl(
            "patch",
            *self.address(document),
            "--type=merge",
            "-p",
            json.dumps(patch),
            *extra,
            check=check,
        )

    def get(self, document: dict[str, Any]) -> dict[str, Any]:
        shown = self.plane.kubectl("get", *self.address(document), "-o", "json").stdout
        loaded: dict[str, Any] = json.loads(shown)
        return loaded

    def address(self, document: dict[str, Any]) -> list[str]:
        entry = resource_kind(document["kind"])
        where = ["-n", self.namespace] if entry.scope == "Namespaced" else []
        return [entry.plural, document["metadata"]["name"], *where]

    def cleanup(self) -> None:
        for plural, name in self.cluster_scoped:
            self.plane.kubectl(
                "delete", plural, name, "--ignore-not-found", "--wait=false", check=False
            )


@pytest.fixture
def cluster(control_plane: ControlPlane, crds: list[str], namespace: str) -> Iterator[Cluster]:
    helper = Cluster(control_plane, namespace)
    try:
        yield helper
    finally:
        helper.cleanup()


def merged(document: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """JSON merge patch (RFC 7386) of ``patch`` onto a copy of ``document``."""
    result = copy.deepcopy(document)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_empty(v) for k, v in value.items() if v not in ({}, [])}
    if isinstance(value, list):
        return [without_empty(v) for v in value]
    return value


def assert_contains(stored: Any, sent: Any, *, path: str) -> None:
    """Everything that was sent is stored unchanged; the server may only add defaults."""
    if isinstance(sent, dict):
        assert isinstance(stored, dict), path
        for key, value in sent.items():
            assert key in stored, f"{path}.{key} was dropped"
            assert_contains(stored[key], value, path=f"{path}.{key}")
    else:
        assert stored == sent, path


def test_all_six_crds_are_established(control_plane: ControlPlane, crds: list[str]) -> None:
    assert sorted(crds) == sorted(e.crd_name for e in RESOURCES)
    for entry in RESOURCES:
        shown = control_plane.kubectl(
            "get",
            "crd",
            entry.crd_name,
            "-o",
            'jsonpath={.status.conditions[?(@.type=="Established")].status}',
        ).stdout
        assert shown == "True", entry.crd_name
        names = json.loads(control_plane.kubectl("get", "crd", entry.crd_name, "-o", "json").stdout)
        assert names["status"]["acceptedNames"]["shortNames"] == list(entry.short_names)
        assert names["status"]["acceptedNames"]["categories"] == ["fog"]


@pytest.mark.parametrize("entry", RESOURCES, ids=lambda e: e.kind)
def test_sample_is_accepted_and_read_back_unchanged_apart_from_defaults(
    cluster: Cluster, entry: ResourceKind
) -> None:
    document = cluster.manifest(entry.kind)
    cluster.create(document)
    stored = cluster.get(document)
    model: BaseModel = entry.model.model_validate(document)
    expected = model.model_dump(mode="json", exclude_none=True)["spec"]
    assert without_empty(stored["spec"]) == without_empty(expected)
    assert_contains(stored["spec"], document["spec"], path="spec")
    assert stored["metadata"]["generation"] == 1
    entry.model.model_validate(stored)


def test_get_fog_lists_one_of_each_kind(cluster: Cluster, control_plane: ControlPlane) -> None:
    documents = [cluster.manifest(e.kind) for e in RESOURCES]
    for document in documents:
        cluster.create(document)
    listed = control_plane.kubectl(
        "get", "fog", "-n", cluster.namespace, "-o", "name"
    ).stdout.split()
    for document in documents:
        singular = document["kind"].lower()
        assert f"{singular}.fogcompute.io/{document['metadata']['name']}" in listed


def test_get_fogjobs_shows_the_printer_columns(
    cluster: Cluster, control_plane: ControlPlane
) -> None:
    job = cluster.manifest("FogJob")
    cluster.create(job)
    cluster.patch(
        job,
        {"status": {"phase": "Running", "readyText": "2/3", "nodesText": "edge-a,edge-b,edge-c"}},
        status=True,
    )
    table = control_plane.kubectl("get", "fogjobs", "-n", cluster.namespace).stdout.splitlines()
    assert table[0].split() == ["NAME", "PHASE", "TIER", "NODES", "READY", "AGE"]
    row = table[1].split()
    assert row[:5] == ["hello-fog", "Running", "gold", "edge-a,edge-b,edge-c", "2/3"]
    short = control_plane.kubectl("get", "fj", "-n", cluster.namespace, "-o", "name").stdout
    assert short.strip() == "fogjob.fogcompute.io/hello-fog"


def test_get_mixnodes_shows_ready_from_the_condition(
    cluster: Cluster, control_plane: ControlPlane
) -> None:
    node = cluster.manifest("MixNode")
    cluster.create(node)
    ready = {
        "type": "Ready",
        "status": "True",
        "reason": "KeysPublished",
        "message": "",
        "lastTransitionTime": "2030-01-01T00:00:00Z",
    }
    cluster.patch(
        node,
        # the Layer column reads status.layer, which the operator's MixNode controller assigns
        {"status": {"layer": 0, "reliability": 0.98, "stake": "5000", "conditions": [ready]}},
        status=True,
    )
    table = control_plane.kubectl("get", "mn", node["metadata"]["name"]).stdout.splitlines()
    assert table[0].split() == ["NAME", "LAYER", "NODE", "RELIABILITY", "STAKE", "READY", "AGE"]
    assert table[1].split()[:6] == [
        node["metadata"]["name"],
        "0",
        node["spec"]["nodeName"],
        "0.98",
        "5000",
        "True",
    ]


@dataclass(frozen=True)
class Refusal:
    """An invalid object: made so on create, or by updates of a valid one (the last is refused)."""

    name: str
    kind: str
    expect: tuple[str, ...]
    create: dict[str, Any] | None = None
    updates: tuple[dict[str, Any], ...] = ()
    status: bool = False


def spec(**fields: Any) -> dict[str, Any]:
    return {"spec": fields}


def path(hops: int, *, layers: list[int] | None = None) -> dict[str, Any]:
    chosen = layers if layers is not None else list(range(hops))
    hop_list = [
        {
            "layer": layer,
            "mixNode": f"mix-{i}",
            "address": f"127.0.0.1:{4000 + i}",
            "publicKey": HOP_KEY,
        }
        for i, layer in enumerate(chosen)
    ]
    return {"status": {"phase": "Established", "path": hop_list}}


REFUSALS = [
    # EdgeDevice
    Refusal(
        "edgedevice wrong type",
        "EdgeDevice",
        ("spec.policy.minIdleSeconds", "integer"),
        create=spec(policy={"minIdleSeconds": "soon"}),
    ),
    Refusal(
        "edgedevice temperature out of range",
        "EdgeDevice",
        ("spec.policy.maxTemperatureCelsius", "120"),
        create=spec(policy={"maxTemperatureCelsius": 500}),
    ),
    Refusal(
        "edgedevice no power source allowed (CEL)",
        "EdgeDevice",
        ("spec.policy.allowBattery",),
        create=spec(policy={"requireAcPower": False, "allowBattery": False}),
    ),
    Refusal(
        "edgedevice stale before a report (CEL)",
        "EdgeDevice",
        ("spec.reporting.staleAfterSeconds",),
        create=spec(reporting={"reportIntervalSeconds": 10, "staleAfterSeconds": 5}),
    ),
    Refusal(
        "edgedevice name differs from node (CEL)",
        "EdgeDevice",
        ("spec.nodeName", "metadata.name"),
        create=spec(nodeName="some-other-node"),
    ),
    Refusal(
        "edgedevice nodeName immutable",
        "EdgeDevice",
        ("spec.nodeName", "immutable"),
        updates=(spec(nodeName="moved-node"),),
    ),
    # FogJob
    Refusal(
        "fogjob replicas wrong type",
        "FogJob",
        ("spec.replicas", "integer"),
        create=spec(replicas="three"),
    ),
    Refusal(
        "fogjob replicas out of range", "FogJob", ("spec.replicas", "16"), create=spec(replicas=17)
    ),
    Refusal(
        "fogjob nodeSelector key not a label key (CEL)",
        "FogJob",
        ("spec.nodeSelector", "rename or remove the offending key"),
        create=spec(nodeSelector={"not a label key!": "x"}),
    ),
    Refusal("fogjob unknown tier", "FogJob", ("spec.tier", "diamond"), create=spec(tier="diamond")),
    Refusal(
        "fogjob minAvailable over replicas (CEL)",
        "FogJob",
        ("spec.minAvailable", "spec.replicas"),
        create=spec(minAvailable=4),
    ),
    Refusal(
        "fogjob platinum on harvested devices (CEL)",
        "FogJob",
        ("spec.allowHarvested", "platinum"),
        create=spec(tier="platinum"),
    ),
    Refusal(
        "fogjob zero cpu (CEL quantity)",
        "FogJob",
        ("spec.resources.cpu",),
        create=spec(resources={"cpu": "0"}),
    ),
    Refusal(
        "fogjob tier immutable",
        "FogJob",
        ("spec.tier", "immutable"),
        updates=(spec(tier="bronze"),),
    ),
    Refusal(
        "fogjob resources immutable",
        "FogJob",
        ("spec.resources", "immutable"),
        updates=(spec(resources={"memory": "1Gi"}),),
    ),
    Refusal(
        "fogjob deadline moved earlier",
        "FogJob",
        ("spec.deadline", "later"),
        updates=(spec(deadline="2098-01-01T00:00:00Z"),),
    ),
    # MixNode
    Refusal(
        "mixnode layer wrong type", "MixNode", ("spec.layer", "integer"), create=spec(layer="entry")
    ),
    Refusal("mixnode layer out of range", "MixNode", ("spec.layer", "4"), create=spec(layer=5)),
    Refusal(
        "mixnode node name not DNS",
        "MixNode",
        ("spec.nodeName",),
        create=spec(nodeName="Not_A_Node"),
    ),
    Refusal(
        "mixnode nodeName immutable",
        "MixNode",
        ("spec.nodeName", "immutable"),
        updates=(spec(nodeName="elsewhere"),),
    ),
    Refusal(
        "mixnode public key not hex",
        "MixNode",
        ("status.keys", "publicKey"),
        status=True,
        updates=({"status": {"keys": [{"epoch": 1, "publicKey": "zz"}]}},),
    ),
    # Circuit
    Refusal("circuit too few hops", "Circuit", ("spec.hops", "3"), create=spec(hops=2)),
    Refusal("circuit too many hops", "Circuit", ("spec.hops", "5"), create=spec(hops=6)),
    Refusal(
        "circuit reliability wrong type",
        "Circuit",
        ("spec.minReliability", "number"),
        create=spec(minReliability="high"),
    ),
    Refusal(
        "circuit exit node excluded (CEL)",
        "Circuit",
        ("spec.exitNode", "spec.excludeNodes"),
        create=spec(exitNode="mix-a", excludeNodes=["mix-a", "mix-b"]),
    ),
    Refusal(
        "circuit hops immutable", "Circuit", ("spec.hops", "immutable"), updates=(spec(hops=5),)
    ),
    Refusal(
        "circuit path length differs from hops (CEL)",
        "Circuit",
        ("status.path", "spec.hops"),
        status=True,
        updates=(path(2),),
    ),
    Refusal(
        "circuit path repeats a layer (CEL)",
        "Circuit",
        ("status.path", "layer"),
        status=True,
        updates=(path(3, layers=[0, 0, 2]),),
    ),
    # Stake
    Refusal("stake amount with decimals", "Stake", ("spec.amount",), create=spec(amount="1.5")),
    Refusal(
        "stake amount as a number", "Stake", ("spec.amount", "string"), create=spec(amount=1000)
    ),
    Refusal(
        "stake amount zero (CEL)", "Stake", ("spec.amount", "positive"), create=spec(amount="0")
    ),
    Refusal(
        "stake target kind",
        "Stake",
        ("spec.target.kind", "Pod"),
        create=spec(target={"kind": "Pod"}),
    ),
    Refusal(
        "stake account immutable",
        "Stake",
        ("spec.account", "immutable"),
        updates=(spec(account="mallory"),),
    ),
    Refusal(
        "stake amount shrinks", "Stake", ("spec.amount", "grow"), updates=(spec(amount="999"),)
    ),
    Refusal(
        "stake unbond reverted",
        "Stake",
        ("spec.unbond",),
        updates=(spec(unbond=True), spec(unbond=False)),
    ),
    # Proposal
    Refusal("proposal without changes", "Proposal", ("spec.changes", "1"), create=spec(changes=[])),
    Refusal(
        "proposal parameter not whitelisted",
        "Proposal",
        ("spec.changes[0].parameter",),
        create=spec(changes=[{"parameter": "kube.apiserver", "value": "1"}]),
    ),
    Refusal(
        "proposal quorum above one (CEL)",
        "Proposal",
        ("spec.changes[0].value", "fraction"),
        create=spec(changes=[{"parameter": "governance.quorum", "value": "1.5"}]),
    ),
    Refusal("proposal deposit zero (CEL)", "Proposal", ("spec.deposit",), create=spec(deposit="0")),
    Refusal(
        "proposal title too long", "Proposal", ("spec.title", "140"), create=spec(title="t" * 141)
    ),
    Refusal(
        "proposal spec immutable",
        "Proposal",
        ("spec", "immutable"),
        updates=(spec(title="Another title"),),
    ),
]


def test_every_kind_has_at_least_three_refusals() -> None:
    for entry in RESOURCES:
        assert sum(r.kind == entry.kind for r in REFUSALS) >= 3, entry.kind


@pytest.mark.parametrize("case", REFUSALS, ids=lambda r: r.name)
def test_invalid_objects_are_refused_with_a_message_naming_the_field(
    cluster: Cluster, case: Refusal
) -> None:
    document = cluster.manifest(case.kind)
    if case.create is not None:
        result = cluster.create(merged(document, case.create), check=False)
        assert result.returncode != 0, f"{case.name}: accepted\n{result.stdout}"
    else:
        cluster.create(document)
        *accepted, refused = case.updates
        for update in accepted:
            cluster.patch(document, update, status=case.status)
        before = cluster.get(document)
        result = cluster.patch(document, refused, status=case.status, check=False)
        assert result.returncode != 0, f"{case.name}: accepted\n{result.stdout}"
        after = cluster.get(document)
        assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    for fragment in case.expect:
        assert fragment in result.stderr, f"{case.name}: {fragment!r} not in {result.stderr!r}"
