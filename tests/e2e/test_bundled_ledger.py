"""End to end: the chart's bundled PostgreSQL on host-0 is the operator's ledger.

The session's release (``conftest``) is installed as ``make up`` installs it on the real node:
``economics.database.bundled`` on, the StatefulSet's volume a ``local`` PersistentVolume the test
bed made under the node's folder (``bundledledger``), the offline ``postgres`` image (Debian's
postgresql-15, uid 999). The operator pod reads the generated DSN Secret, which names the headless
Service; host-0's pods resolve it through the node's CoreDNS (``clusterdns``). Shown here: the
database pod Ready (pg_isready) as uid 999 on a read-only root with its claim bound to the local
volume, the operator's ledger up (``fogcompute_ledger_up 1``, no invariant violations) and a
Stake created by its own account reaching Bonded with LedgerReady and LedgerConsistent True,
and the password in neither the release's values nor a log.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from e2e_support import get_json, wait_until
from fogcompute_testbed.bundledledger import LEDGER_VOLUME, demo_genesis
from fogcompute_testbed.controlplane import ControlPlane
from fogcompute_testbed.nodeconfig import NODE_NAME
from fogcompute_testbed.pgimage import POSTGRES
from fogcompute_testbed.release import ChartRelease

POSTGRES_SELECTOR = "app.kubernetes.io/name={release}-ledger-postgres"


def _postgres_pod(plane: ControlPlane, release: ChartRelease) -> dict[str, Any]:
    selector = POSTGRES_SELECTOR.format(release=release.name)
    (pod,) = get_json(plane, "pods", "-n", release.namespace, "-l", selector)["items"]
    found: dict[str, Any] = pod
    return found


def _operator_pod(plane: ControlPlane, release: ChartRelease) -> dict[str, Any]:
    selector = f"app.kubernetes.io/instance={release.name},app.kubernetes.io/component=operator"
    pods = get_json(plane, "pods", "-n", release.namespace, "-l", selector)["items"]
    running = [p for p in pods if p["status"].get("phase") == "Running"]
    assert len(running) == 1, [p["metadata"]["name"] for p in pods]
    found: dict[str, Any] = running[0]
    return found


def _operator_metrics(plane: ControlPlane, release: ChartRelease) -> dict[str, float]:
    """The operator's /metrics, read inside its own pod (exec through the kubelet)."""
    pod = _operator_pod(plane, release)
    text = plane.kubectl(
        *("exec", "-n", release.namespace, pod["metadata"]["name"], "--", "python", "-c"),
        "import urllib.request as u;"
        " print(u.urlopen('http://127.0.0.1:8000/metrics', timeout=5).read().decode())",
    ).stdout
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def test_the_bundled_postgres_runs_on_host_0_as_uid_999_on_a_read_only_root(
    control_plane: ControlPlane, release: ChartRelease
) -> None:
    pod = _postgres_pod(control_plane, release)
    assert pod["spec"]["nodeName"] == NODE_NAME
    (status,) = pod["status"]["containerStatuses"]
    assert status["ready"] is True  # its readiness probe is pg_isready
    assert status["image"] == POSTGRES.refs[0]
    (container,) = pod["spec"]["containers"]
    assert container["readinessProbe"]["exec"]["command"][0] == "pg_isready"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["spec"]["securityContext"]["runAsUser"] == 999
    # The password reaches PostgreSQL as a file from the Secret, never as a variable.
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert "POSTGRES_PASSWORD" not in env
    assert env["POSTGRES_PASSWORD_FILE"] == "/etc/fog-postgres/password"
    ident = control_plane.kubectl(
        *("exec", "-n", release.namespace, pod["metadata"]["name"], "--", "sh", "-c"),
        "id -u; touch /usr/probe 2>/dev/null && echo writable || echo read-only",
    ).stdout.split()
    assert ident == ["999", "read-only"]
    # Its data is on the test bed's local PersistentVolume, bound on host-0.
    claims = get_json(control_plane, "pvc", "-n", release.namespace)["items"]
    (claim,) = [c for c in claims if c["metadata"]["name"].startswith("data-")]
    assert claim["status"]["phase"] == "Bound"
    assert claim["spec"]["volumeName"] == LEDGER_VOLUME


def test_the_operator_reaches_the_bundled_ledger_and_a_stake_bonds(
    control_plane: ControlPlane, release: ChartRelease, namespace: str
) -> None:
    wait_until(
        "the operator's ledger to answer (fogcompute_ledger_up 1)",
        lambda: _operator_metrics(control_plane, release).get("fogcompute_ledger_up") == 1.0,
    )
    account = "alice"
    assert account in demo_genesis()
    # Only the account a Stake names may create it (the chart's admission policy): act as alice,
    # with RBAC to write Stakes in this namespace only.
    grant = [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "stakers", "namespace": namespace},
            "rules": [
                {
                    "apiGroups": ["fogcompute.io"],
                    "resources": ["stakes"],
                    "verbs": ["get", "list", "create", "patch", "update"],
                }
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "stakers", "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "stakers"},
            "subjects": [
                {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": account}
            ],
        },
    ]
    control_plane.kubectl(
        "apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": grant})
    )
    stake = {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "Stake",
        "metadata": {"name": "alice-host-0", "namespace": namespace},
        "spec": {
            "account": account,
            "target": {"kind": "EdgeDevice", "name": NODE_NAME},
            "amount": "1000000",
        },
    }
    control_plane.kubectl("create", f"--as={account}", "-f", "-", input=json.dumps(stake))

    def bonded() -> dict[str, Any] | None:
        status = (
            get_json(control_plane, "stake", "alice-host-0", "-n", namespace).get("status") or {}
        )
        conditions = {c["type"]: c["status"] for c in status.get("conditions", [])}
        ok = status.get("phase") == "Bonded" and conditions.get("LedgerReady") == "True"
        return status if ok else None

    status = wait_until("the Stake to bond in the bundled ledger", bonded)
    assert int(status["bonded"]) == 1_000_000
    # The invariants hold: checked by the operator, and nothing violated.
    wait_until(
        "the Stake's LedgerConsistent condition",
        lambda: any(
            c["type"] == "LedgerConsistent" and c["status"] == "True"
            for c in (
                get_json(control_plane, "stake", "alice-host-0", "-n", namespace).get("status")
                or {}
            ).get("conditions", [])
        ),
    )
    metrics = _operator_metrics(control_plane, release)
    violations = {k: v for k, v in metrics.items() if "invariant_violations" in k}
    assert violations, "the operator publishes fogcompute_ledger_invariant_violations"
    assert set(violations.values()) == {0.0}, violations


def test_the_generated_password_is_in_the_secret_only(
    control_plane: ControlPlane, release: ChartRelease
) -> None:
    secret = get_json(
        control_plane, "secret", f"{release.name}-ledger-postgres", "-n", release.namespace
    )
    password = base64.b64decode(secret["data"]["password"]).decode()
    assert len(password) == 32
    dsn = base64.b64decode(secret["data"]["dsn"]).decode()
    assert f"host={release.name}-ledger-postgres.{release.namespace}.svc " in dsn
    assert password not in release.values_file.read_text()
    values = control_plane.helm("get", "values", release.name, "-n", release.namespace).stdout
    assert password not in values
    for pod in (_operator_pod(control_plane, release), _postgres_pod(control_plane, release)):
        logs = control_plane.kubectl(
            "logs", "-n", release.namespace, pod["metadata"]["name"]
        ).stdout
        assert logs
        assert password not in logs


def _entry_hashes(plane: ControlPlane, release: ChartRelease) -> list[str]:
    """The ledger's entry hashes in order, read by psql inside the database pod (the password
    from the mounted Secret file, never printed)."""
    pod = _postgres_pod(plane, release)
    out = plane.kubectl(
        *("exec", "-n", release.namespace, pod["metadata"]["name"], "--", "sh", "-c"),
        'PGPASSWORD="$(cat /etc/fog-postgres/password)" /usr/lib/postgresql/15/bin/psql'
        " -h 127.0.0.1 -U fog -d fog -tAc"
        " \"SELECT encode(hash, 'hex') FROM ledger_entries ORDER BY id\"",
    ).stdout
    return out.split()


def test_the_ledger_survives_its_pod_being_replaced(
    control_plane: ControlPlane, release: ChartRelease
) -> None:
    """The data is on the local PersistentVolume: a new pod (a new address, which cluster DNS
    follows) serves the same hash chain, and the operator's ledger comes back."""
    before = _entry_hashes(control_plane, release)
    assert before, "genesis and the bond are in the ledger"
    old = _postgres_pod(control_plane, release)
    control_plane.kubectl(
        "delete", "pod", "-n", release.namespace, old["metadata"]["name"], "--wait=true"
    )

    seen: list[Any] = []

    def replaced_and_ready() -> bool:
        selector = POSTGRES_SELECTOR.format(release=release.name)
        pods = get_json(control_plane, "pods", "-n", release.namespace, "-l", selector)["items"]
        seen[:] = [(p["metadata"]["uid"], p["status"]) for p in pods]
        return any(
            p["metadata"]["uid"] != old["metadata"]["uid"]
            and any(c.get("ready") for c in p["status"].get("containerStatuses") or [])
            for p in pods
        )

    try:
        wait_until("the StatefulSet's new database pod to be Ready", replaced_and_ready)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; pods: {json.dumps(seen)[:3000]}") from None
    after = _entry_hashes(control_plane, release)
    assert after[: len(before)] == before  # nothing lost, nothing re-minted
    wait_until(
        "the operator's ledger to answer again",
        lambda: _operator_metrics(control_plane, release).get("fogcompute_ledger_up") == 1.0,
    )
