"""Unit tests of the real node's configuration, image specs and OCI archives (no processes)."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import tarfile
import tomllib
from pathlib import Path

import pytest
import yaml
from fogcompute_api.edgedevices import EdgeDevice
from fogcompute_testbed import nodehost
from fogcompute_testbed.images import busybox_version_problem, write_oci_archive
from fogcompute_testbed.imagespecs import (
    BUSYBOX,
    BUSYBOX_GROUP,
    BUSYBOX_PASSWD,
    BUSYBOX_VERSION,
    EDGE_AGENT,
    NONROOT_GROUP,
    NONROOT_PASSWD,
    OPERATOR,
    PAUSE,
    ImageSpec,
    dockerfile_runtime,
)
from fogcompute_testbed.nodeconfig import (
    NODE_LABELS,
    NODE_NAME,
    SANDBOX_IMAGE,
    NodeLayout,
    cni_conflist,
    containerd_config,
    kubelet_config,
    pick_subnet,
)
from fogcompute_testbed.release import HOST_EDGE_DEVICE, node_values
from fogcompute_testbed.toolchain import repo_root

IMAGES = repo_root() / "images"


def _layout(tmp_path: Path, name: str = "a") -> NodeLayout:
    state = tmp_path / name
    return NodeLayout(state_dir=state, subnet=pick_subnet(state, taken=()))


def test_containerd_config_keeps_everything_under_the_node_folder(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    text = containerd_config(layout, cni_bin_dir=tmp_path / "bin" / "cni", runc=Path("/x/runc"))
    config = tomllib.loads(text)
    assert config["version"] == 3
    for key in ("root", "state"):
        assert Path(config[key]).is_relative_to(layout.root)
    assert config["grpc"]["address"] == str(layout.socket)
    runtime = config["plugins"]["io.containerd.cri.v1.runtime"]
    runc = runtime["containerd"]["runtimes"]["runc"]["options"]
    assert runc["SystemdCgroup"] is False
    assert runc["BinaryName"] == "/x/runc"
    assert Path(runc["Root"]).is_relative_to(layout.root)
    assert runtime["netns_mounts_under_state_dir"] is True
    assert runtime["restrict_oom_score_adj"] is True
    assert runtime["cni"]["conf_dir"] == str(layout.cni_conf_dir)
    assert runtime["cni"]["bin_dirs"] == [str(tmp_path / "bin" / "cni")]
    images = config["plugins"]["io.containerd.cri.v1.images"]
    assert images["pinned_images"]["sandbox"] == SANDBOX_IMAGE == PAUSE.refs[0]


def test_two_state_dirs_get_separate_bridges_cgroups_and_subnets(tmp_path: Path) -> None:
    a, b = _layout(tmp_path, "a"), _layout(tmp_path, "b")
    assert a.bridge != b.bridge
    assert len(a.bridge) <= 15  # the kernel's interface-name limit
    assert a.cgroup_root != b.cgroup_root
    b2 = NodeLayout(state_dir=b.state_dir, subnet=pick_subnet(b.state_dir, taken=[a.subnet]))
    assert not b2.subnet.overlaps(a.subnet)
    assert b2.gateway in b2.subnet


def test_pick_subnet_skips_routes_the_host_has() -> None:
    state = Path("/tmp/some-state")
    first = pick_subnet(state, taken=())
    second = pick_subnet(state, taken=[first])
    assert second != first
    assert not second.overlaps(first)
    assert second.subnet_of(ipaddress.IPv4Network("10.244.0.0/16"))
    wide = pick_subnet(state, taken=[ipaddress.IPv4Network("10.244.0.0/17")])
    assert not wide.overlaps(ipaddress.IPv4Network("10.244.0.0/17"))


@pytest.mark.parametrize("v1", [True, False])
def test_kubelet_config(tmp_path: Path, v1: bool) -> None:
    layout = _layout(tmp_path)
    config = kubelet_config(
        layout,
        port=1234,
        healthz_port=1235,
        client_ca=tmp_path / "ca.crt",
        tls_cert=tmp_path / "k.crt",
        tls_key=tmp_path / "k.key",
        cgroup_v1=v1,
    )
    assert config["cgroupDriver"] == "cgroupfs"
    assert config["cgroupRoot"] == layout.cgroup_root
    assert config["failSwapOn"] is False
    assert ("failCgroupV1" in config) is v1
    if v1:
        assert config["failCgroupV1"] is False
    assert config["address"] == str(layout.gateway)
    assert config["authentication"]["anonymous"]["enabled"] is False
    assert config["authorization"]["mode"] == "Webhook"
    assert config["containerRuntimeEndpoint"] == f"unix://{layout.socket}"
    assert Path(config["podLogsDir"]).is_relative_to(layout.root)
    assert config["readOnlyPort"] == 0


@pytest.mark.parametrize("portmap", [True, False])
def test_cni_chain(tmp_path: Path, portmap: bool) -> None:
    layout = _layout(tmp_path)
    conf = cni_conflist(layout, portmap=portmap)
    types = [p["type"] for p in conf["plugins"]]
    assert types == (["bridge", "portmap"] if portmap else ["bridge"])
    bridge = conf["plugins"][0]
    assert bridge["bridge"] == layout.bridge
    assert bridge["ipMasq"] is False
    ranges = bridge["ipam"]["ranges"][0][0]
    assert ranges == {"subnet": str(layout.subnet), "gateway": str(layout.gateway)}
    assert Path(bridge["ipam"]["dataDir"]).is_relative_to(layout.root)


@pytest.mark.parametrize("spec", [OPERATOR, EDGE_AGENT], ids=lambda s: s.key)
def test_offline_images_agree_with_the_dockerfiles(spec: ImageSpec) -> None:
    assert spec.dockerfile is not None
    docker = dockerfile_runtime(IMAGES / spec.dockerfile)
    assert docker.user == spec.user
    assert docker.workdir == spec.workdir
    assert docker.entrypoint == spec.entrypoint
    assert docker.cmd == spec.cmd
    assert docker.exposed_ports == spec.exposed_ports
    assert docker.env == dict(spec.env)
    # Read-only root: both compile bytecode at install time and never write it at run time.
    assert docker.pip_compile
    # Both give uid 65532 an account (kopf's peering id looks it up).
    assert docker.accounts == (NONROOT_PASSWD, NONROOT_GROUP)
    assert dict(spec.env)["PYTHONDONTWRITEBYTECODE"] == "1"
    uid, _, gid = spec.user.partition(":")
    assert int(uid) != 0
    assert int(gid) != 0


def test_the_busybox_image_is_named_for_what_it_is_and_agrees_with_its_dockerfile() -> None:
    (ref,) = BUSYBOX.refs
    assert ref == f"ghcr.io/fog-compute/busybox:{BUSYBOX_VERSION}-debian"
    assert "docker.io/library" not in ref  # not Docker Hub's busybox
    assert BUSYBOX.dockerfile is not None
    path = IMAGES / BUSYBOX.dockerfile
    docker = dockerfile_runtime(path)
    assert docker.user == BUSYBOX.user
    assert docker.workdir == BUSYBOX.workdir
    assert docker.entrypoint == BUSYBOX.entrypoint
    assert docker.cmd == BUSYBOX.cmd
    assert docker.env == dict(BUSYBOX.env)
    assert docker.labels == dict(BUSYBOX.labels)
    assert docker.labels["org.opencontainers.image.version"] == ref.rsplit(":", 1)[1]
    text = path.read_text()
    assert f"-t {ref} ." in text
    # The same accounts, and the same upstream version refused otherwise.
    assert "printf '" + "\\n".join(BUSYBOX_PASSWD) + "\\n'" in text
    assert "printf '" + "\\n".join(BUSYBOX_GROUP) + "\\n'" in text
    assert f'"^BusyBox v{BUSYBOX_VERSION.replace(".", chr(92) + ".")}\\."' in text


@pytest.mark.parametrize(
    ("package_version", "fits"),
    [
        ("1:1.35.0-4+deb12u1+b1", True),
        ("1.35.0-4", True),
        ("1:1.36.1-9", False),
        ("1:1.3.5-1", False),
        ("", False),
    ],
)
def test_the_busybox_build_refuses_another_upstream_version(
    package_version: str, fits: bool
) -> None:
    problem = busybox_version_problem(package_version)
    assert (problem is None) is fits
    if problem is not None:
        assert BUSYBOX.refs[0] in problem
        assert "busybox-static" in problem
        assert "\n" not in problem


def test_the_dockerfile_parser_reads_only_the_final_stage(tmp_path: Path) -> None:
    dockerfile = tmp_path / "x.Dockerfile"
    dockerfile.write_text(
        'FROM a AS build\nUSER 1\nENTRYPOINT ["wrong"]\n'
        'FROM b\n# comment\nENV A=1 \\\n    B=two\nUSER 7:7\nENTRYPOINT ["x", "y"]\n'
        'CMD run --flag\nEXPOSE 80 90/udp\nLABEL a.b=c d="e f"\n'
    )
    parsed = dockerfile_runtime(dockerfile)
    assert parsed.user == "7:7"
    assert parsed.entrypoint == ("x", "y")
    assert parsed.cmd == ("/bin/sh", "-c", "run --flag")
    assert parsed.env == {"A": "1", "B": "two"}
    assert parsed.exposed_ports == ("80/tcp", "90/udp")
    assert parsed.labels == {"a.b": "c", "d": "e f"}


def test_oci_archive_is_consistent_and_names_every_ref(tmp_path: Path) -> None:
    layer = tmp_path / "layer.tar"
    with tarfile.open(layer, "w") as tar:
        tar.add(__file__, arcname="hello.py")
    out = write_oci_archive(BUSYBOX, [layer], tmp_path / "image.oci.tar")
    with tarfile.open(out.archive) as tar:
        names = set(tar.getnames())
        index = json.loads(tar.extractfile("index.json").read())  # type: ignore[union-attr]

        def blob(digest: str) -> bytes:
            data = tar.extractfile(f"blobs/sha256/{digest[7:]}").read()  # type: ignore[union-attr]
            assert hashlib.sha256(data).hexdigest() == digest[7:]
            return data

        refs = [m["annotations"]["io.containerd.image.name"] for m in index["manifests"]]
        assert refs == list(BUSYBOX.refs)
        manifest = json.loads(blob(index["manifests"][0]["digest"]))
        config = json.loads(blob(manifest["config"]["digest"]))
        layer_digest = manifest["layers"][0]["digest"]
        blob(layer_digest)
    assert "oci-layout" in names
    assert config["rootfs"]["diff_ids"] == [layer_digest]
    assert config["config"]["Cmd"] == ["sh"]
    assert out.size_bytes == layer.stat().st_size


def test_node_values_run_the_operator_and_the_agent_on_host_0_without_pulling() -> None:
    values = node_values()
    assert values["image"] == {"pullPolicy": "Never"}
    assert values["nodeSelector"] == {"kubernetes.io/hostname": NODE_NAME}
    agent = values["edgeAgent"]
    assert agent["enabled"] is True
    assert agent["image"] == {"pullPolicy": "Never"}
    # Only real edge nodes: kwok's edge nodes cannot run the agent's container.
    real_edge = {"fogcompute.io/edge": "true", "fogcompute.io/real-node": "true"}
    assert agent["nodeSelector"] == real_edge


def test_host_0_is_labelled_so_the_agent_daemonset_selects_it() -> None:
    agent_selector = node_values()["edgeAgent"]["nodeSelector"]
    assert agent_selector.items() <= NODE_LABELS.items()


def test_host_0_edge_device_policy_harvests_a_shared_build_machine() -> None:
    device = yaml.safe_load(HOST_EDGE_DEVICE.read_text())
    parsed = EdgeDevice.model_validate(device)
    assert parsed.metadata.name == parsed.spec.node_name == NODE_NAME
    policy = parsed.spec.policy
    assert policy.max_foreign_cpu_percent == 100  # other builds share the CPU
    assert policy.min_idle_seconds == 0  # engineers' shells keep the terminals busy
    assert policy.require_ac_power  # still judged on power and heat, not disabled
    assert parsed.spec.harvest_enabled


def test_a_non_root_machine_gets_one_line_saying_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nodehost.os, "geteuid", lambda: 1000)
    reason = nodehost.unsupported_reason(runc="/usr/sbin/runc")
    assert reason is not None
    assert "root" in reason
    assert "\n" not in reason


def test_missing_runc_is_named_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nodehost.os, "geteuid", lambda: 0)
    monkeypatch.setattr(nodehost.shutil, "which", lambda _name: None)
    reason = nodehost.unsupported_reason()
    assert reason is not None
    assert "runc" in reason
    assert "ensure-system" in reason


def test_mounts_under_reads_escaped_mount_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "node"
    info = tmp_path / "mountinfo"
    info.write_text(
        f"36 35 0:33 / {root}/a rw - tmpfs tmpfs rw\n"
        f"37 35 0:34 / {root}/with\\040space rw - overlay overlay rw\n"
        f"38 35 0:35 / {tmp_path}/nodeother rw - tmpfs tmpfs rw\n"
        "39 35 0:36 / /elsewhere rw - tmpfs tmpfs rw\n"
    )
    real_path = nodehost.Path

    def fake_path(arg: str | Path) -> Path:
        return info if str(arg) == "/proc/self/mountinfo" else real_path(arg)

    monkeypatch.setattr(nodehost, "Path", fake_path)
    assert nodehost._mounts_under(root) == [f"{root}/a", f"{root}/with space"]
