"""The chart's bundled PostgreSQL as rendered by the project's helm: the offline image's name,
the password as a file only, pg_isready, a read-only root, and persistence on or off."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from chart_rendering import Helm, find_helm, of_kind
from fogcompute_testbed.pgimage import POSTGRES

BUNDLED = ("--set", "economics.database.bundled.enabled=true")


@pytest.fixture(scope="module")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    return find_helm(tmp_path_factory.mktemp("helm"))


def _statefulset(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (sts,) = of_kind(docs, "StatefulSet")
    found: dict[str, Any] = sts
    return found


def test_the_default_image_is_the_offline_one_and_the_password_is_a_file(helm: Helm) -> None:
    docs = helm.render(*BUNDLED)
    sts = _statefulset(docs)
    pod = sts["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == POSTGRES.refs[0]
    env = {e["name"]: e for e in container["env"]}
    assert "POSTGRES_PASSWORD" not in env
    assert env["POSTGRES_PASSWORD_FILE"]["value"] == "/etc/fog-postgres/password"
    (secret_volume,) = [v for v in pod["volumes"] if "secret" in v]
    assert secret_volume["secret"]["items"] == [{"key": "password", "path": "password"}]
    assert secret_volume["secret"]["defaultMode"] == 0o440
    assert container["readinessProbe"]["exec"]["command"][0] == "pg_isready"
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsUser"] == 999
    writable = {m["mountPath"] for m in container["volumeMounts"] if not m.get("readOnly")}
    assert writable == {"/var/lib/postgresql/data", "/var/run/postgresql", "/tmp"}
    # The operator's DSN names the headless Service in the release's namespace.
    (service,) = [s for s in of_kind(docs, "Service") if s["spec"].get("clusterIP") == "None"]
    (secret,) = [
        s for s in of_kind(docs, "Secret") if s["metadata"]["name"] == sts["metadata"]["name"]
    ]
    dsn = (
        secret.get("stringData", {}).get("dsn") or base64.b64decode(secret["data"]["dsn"]).decode()
    )
    name, namespace = service["metadata"]["name"], service["metadata"]["namespace"]
    assert dsn.startswith(f"host={name}.{namespace}.svc port=5432 ")


def test_persistence_claims_a_volume_of_the_given_class(helm: Helm) -> None:
    sts = _statefulset(
        helm.render(
            *BUNDLED,
            *("--set", "economics.database.bundled.persistence.storageClassName=local"),
            *("--set", "economics.database.bundled.persistence.storage=2Gi"),
        )
    )
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "data"
    assert claim["spec"]["storageClassName"] == "local"
    assert claim["spec"]["resources"]["requests"]["storage"] == "2Gi"
    assert not [v for v in sts["spec"]["template"]["spec"]["volumes"] if v["name"] == "data"]


def test_persistence_off_is_an_emptydir_and_no_claim(helm: Helm) -> None:
    sts = _statefulset(
        helm.render(*BUNDLED, "--set", "economics.database.bundled.persistence.enabled=false")
    )
    assert "volumeClaimTemplates" not in sts["spec"]
    (data,) = [v for v in sts["spec"]["template"]["spec"]["volumes"] if v["name"] == "data"]
    assert data == {"name": "data", "emptyDir": {}}
