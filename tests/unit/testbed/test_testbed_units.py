"""Unit tests of the testbed's pieces that need no control plane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import NameOID
from fogcompute_testbed.controlplane import _stage_documents, default_nodes
from fogcompute_testbed.kubeconfigs import write_impersonating_kubeconfig
from fogcompute_testbed.pki import CertificateAuthority
from fogcompute_testbed.processes import TestbedError, kill_stale, start_process, wait_for
from fogcompute_testbed.toolchain import locate_binaries, repo_root


def test_client_certificate_carries_user_and_groups(tmp_path: Path) -> None:
    ca = CertificateAuthority(tmp_path)
    issued = ca.issue("tenant", common_name="alice", organizations=["team-a", "team-b"])
    cert = x509.load_pem_x509_certificate(issued.cert.read_bytes())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "alice"
    groups = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    assert groups == ["team-a", "team-b"]
    assert issued.key.stat().st_mode & 0o077 == 0


def test_ca_is_reloaded_not_regenerated(tmp_path: Path) -> None:
    first = CertificateAuthority(tmp_path).cert_path.read_bytes()
    assert CertificateAuthority(tmp_path).cert_path.read_bytes() == first


def test_wait_for_names_what_it_waited_for_and_what_it_saw() -> None:
    def probe() -> None:
        raise ConnectionRefusedError("nobody home")

    with pytest.raises(TestbedError, match=r"waiting for the thing; last seen: .*nobody home"):
        wait_for(probe, what="the thing", timeout=0.3, interval=0.05)


def test_wait_for_returns_the_first_value() -> None:
    calls = iter([None, None, 7])
    assert wait_for(lambda: next(calls), what="seven", timeout=5, interval=0.01) == 7


def test_kill_stale_stops_only_processes_naming_the_state_dir(tmp_path: Path) -> None:
    ours = start_process(
        "sleeper",
        [sys.executable, "-c", "import time; time.sleep(60)", str(tmp_path)],
        state_dir=tmp_path,
    )
    foreign = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    (tmp_path / "pids" / "foreign.pid").write_text(str(foreign.pid))
    # /proc/PID/cmdline reads empty until the child's exec has finished.
    cmdline = Path(f"/proc/{ours.popen.pid}/cmdline")
    wait_for(
        lambda: True if str(tmp_path).encode() in cmdline.read_bytes() else None,
        what="the sleeper's exec",
        timeout=5,
        interval=0.01,
    )
    try:
        stopped = kill_stale(tmp_path, timeout=5)
        assert stopped == ["sleeper"]
        assert ours.popen.wait(5) is not None
        assert foreign.poll() is None
        assert list((tmp_path / "pids").glob("*.pid")) == []
    finally:
        foreign.kill()
        foreign.wait()


def test_missing_binaries_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "kubectl").write_text("#!/bin/sh\n")
    (tmp_path / "kubectl").chmod(0o755)
    monkeypatch.setenv("FOG_BIN_DIR", str(tmp_path))
    with pytest.raises(TestbedError, match="lacks etcd, kube-apiserver") as err:
        locate_binaries()
    assert "kubectl" not in str(err.value).split("lacks", 1)[1]


def test_build_script_without_go_says_what_is_missing(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "FOG_CACHE_DIR": str(tmp_path),
        "FOG_GO_DIRS": "",
    }
    if shutil.which("go", path=env["PATH"]):
        env["PATH"] = str(tmp_path / "empty")
        bash_dir = tmp_path / "empty"
        bash_dir.mkdir()
        for tool in ("cat", "sha256sum", "cut", "dirname", "mkdir"):
            found = shutil.which(tool)
            assert found is not None
            (bash_dir / tool).symlink_to(found)
    result = subprocess.run(
        [bash, str(repo_root() / "hack" / "build-tools.sh")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "'go' not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_stage_documents_include_our_pod_outcomes() -> None:
    docs = list(yaml.safe_load_all(_stage_documents()))
    names = {d["metadata"]["name"] for d in docs}
    assert {"fog-pod-succeeded", "fog-pod-failed", "pod-ready", "node-initialize"} <= names
    assert all(d["kind"] == "Stage" for d in docs)


def test_default_nodes_label_edge_machines() -> None:
    nodes = default_nodes(nodes=2, edge_nodes=3)
    assert [n.edge for n in nodes] == [False, False, True, True, True]
    assert len({n.name for n in nodes}) == 5


def test_impersonating_kubeconfig_keeps_admin_credentials(tmp_path: Path) -> None:
    admin = tmp_path / "admin.yaml"
    admin.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
                "users": [{"name": "root", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "root"}}],
                "current-context": "x",
            }
        )
    )
    out = write_impersonating_kubeconfig(tmp_path / "u.yaml", admin=admin, user="bob", groups=["g"])
    user = yaml.safe_load(out.read_text())["users"][0]["user"]
    assert user == {"token": "t", "as": "bob", "as-groups": ["g"]}
    assert os.stat(out).st_mode & 0o077 == 0
