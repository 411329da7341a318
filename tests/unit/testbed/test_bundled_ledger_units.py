"""Unit tests of the bundled ledger's test-bed side: cluster DNS files and the local volume."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from fogcompute_testbed.bundledledger import (
    LEDGER_VOLUME,
    STORAGE_CLASS,
    bundled_ledger_values,
    demo_genesis,
    local_volume,
)
from fogcompute_testbed.clusterdns import CLUSTER_DOMAIN, COREDNS_USER, corefile, dns_rbac
from fogcompute_testbed.ledgerdb import DEMO_ECONOMICS
from fogcompute_testbed.nodeconfig import NODE_NAME, NodeLayout, kubelet_config, pick_subnet


class _FakeCluster:
    """Records kubectl calls; ``pv_exists`` says what ``kubectl get pv`` finds."""

    def __init__(self, state_dir: Path, *, pv_exists: bool) -> None:
        self.state_dir = state_dir
        self.pv_exists = pv_exists
        self.calls: list[tuple[tuple[str, ...], str | None]] = []

    def kubectl(self, *args: str, input: str | None = None, **_: object) -> object:  # noqa: A002
        self.calls.append((args, input))

        class _Done:
            returncode = 0
            stdout = f"persistentvolume/{LEDGER_VOLUME}\n" if self.pv_exists else ""

        return _Done()


def test_corefile_binds_only_the_nodes_gateway_and_serves_the_cluster_domain(
    tmp_path: Path,
) -> None:
    text = corefile(
        listen=ipaddress.IPv4Address("10.244.7.1"), kubeconfig=tmp_path / "k.yaml", ready_port=9
    )
    assert "bind 10.244.7.1" in text
    assert f"kubernetes {CLUSTER_DOMAIN} in-addr.arpa" in text
    assert f"kubeconfig {tmp_path / 'k.yaml'}" in text
    assert "ready 127.0.0.1:9" in text


def test_coredns_may_only_list_and_watch_what_it_serves() -> None:
    role, binding = dns_rbac()
    verbs = {v for rule in role["rules"] for v in rule["verbs"]}
    assert verbs == {"list", "watch"}
    resources = {r for rule in role["rules"] for r in rule["resources"]}
    assert "secrets" not in resources
    assert binding["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": COREDNS_USER}
    ]


def test_the_kubelet_points_pods_at_the_cluster_dns_only_when_given(tmp_path: Path) -> None:
    state = tmp_path / "s"
    layout = NodeLayout(state_dir=state, subnet=pick_subnet(state, taken=()))
    common = {
        "port": 1,
        "healthz_port": 2,
        "client_ca": tmp_path / "ca",
        "tls_cert": tmp_path / "c",
        "tls_key": tmp_path / "k",
        "cgroup_v1": False,
    }
    assert "clusterDNS" not in kubelet_config(layout, **common)  # type: ignore[arg-type]
    with_dns = kubelet_config(layout, **common, cluster_dns=str(layout.gateway))  # type: ignore[arg-type]
    assert with_dns["clusterDNS"] == [str(layout.gateway)]
    assert with_dns["clusterDomain"] == CLUSTER_DOMAIN


def test_the_local_volume_is_bound_to_host_0_behind_a_wait_for_consumer_class(
    tmp_path: Path,
) -> None:
    storage_class, volume = local_volume(path=tmp_path / "ledger")
    assert storage_class["metadata"]["name"] == STORAGE_CLASS
    assert storage_class["volumeBindingMode"] == "WaitForFirstConsumer"
    assert storage_class["provisioner"] == "kubernetes.io/no-provisioner"
    assert volume["spec"]["storageClassName"] == STORAGE_CLASS
    assert volume["spec"]["local"] == {"path": str(tmp_path / "ledger")}
    (term,) = volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
    assert term["matchExpressions"][0]["values"] == [NODE_NAME]


def test_a_new_cluster_gets_an_empty_volume_folder_and_a_running_one_keeps_its_data(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "node" / "local-volumes" / "ledger"
    folder.mkdir(parents=True)
    (folder / "PG_VERSION").write_text("15")  # a previous cluster's data
    fresh = _FakeCluster(tmp_path, pv_exists=False)
    values = bundled_ledger_values(fresh)
    assert folder.is_dir()
    assert not (folder / "PG_VERSION").exists()
    assert any(call[0][:1] == ("apply",) for call in fresh.calls)
    (folder / "PG_VERSION").write_text("15")
    running = _FakeCluster(tmp_path, pv_exists=True)
    assert bundled_ledger_values(running) == values
    assert (folder / "PG_VERSION").exists()
    assert not any(call[0][:1] == ("apply",) for call in running.calls)


def test_the_values_run_the_bundled_database_on_host_0_with_make_ups_economics(
    tmp_path: Path,
) -> None:
    values = bundled_ledger_values(_FakeCluster(tmp_path, pv_exists=True))["economics"]
    bundled = values["database"]["bundled"]
    assert bundled["enabled"] is True
    assert bundled["pullPolicy"] == "Never"
    assert bundled["nodeSelector"] == {"kubernetes.io/hostname": NODE_NAME}
    assert bundled["persistence"]["storageClassName"] == STORAGE_CLASS
    assert "password" not in str(values).lower()
    assert values["genesis"] == demo_genesis()
    assert demo_genesis() == {"alice": 100_000_000, "bob": 50_000_000}
    assert values["epochSeconds"] == int(DEMO_ECONOMICS["FOG_ECONOMICS_EPOCH_SECONDS"])


def test_make_up_installs_the_chart_with_the_bundled_ledger(tmp_path: Path) -> None:
    import json

    from fogcompute_testbed.release import run_chart_for_up

    class _Cluster(_FakeCluster):
        def __init__(self) -> None:
            super().__init__(tmp_path, pv_exists=False)
            self.helm_calls: list[tuple[str, ...]] = []

        def helm(self, *args: str, **_: object) -> object:
            self.helm_calls.append(args)
            return None

    cluster = _Cluster()
    line = run_chart_for_up(cluster)
    (install,) = cluster.helm_calls
    values = json.loads(Path(install[install.index("--values") + 1]).read_text())
    assert values["crds"] == {"enabled": False, "keep": True}
    assert values["economics"]["database"]["bundled"]["enabled"] is True
    assert values["economics"]["genesis"]["alice"] > 0
    assert "ledger-postgres" in line
    waits = [args for args, _ in cluster.calls if args[:1] == ("wait",)]
    assert waits == [
        (
            "wait",
            "--for=jsonpath={.status.phase}=Bonded",
            "stake/alice-mix-edge-0",
            "--timeout=180s",
        )
    ]
    assert "sample Stake alice-mix-edge-0 Bonded" in line
