"""The Argo CD health checks in deploy/argocd/health/, run for real in Lua 5.1 (the language of
gopher-lua, which Argo CD embeds) through lupa, against each kind's testdata, the way Argo CD's
own resource_customizations tests run them: every health_test.yaml case names an input object
and the status and message the script must return."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from fogcompute_api.kinds import RESOURCES
from lupa import lua51

ROOT = Path(__file__).resolve().parents[3]
CHECKS = ROOT / "deploy" / "argocd" / "health"
HEALTH = CHECKS / "fogcompute.io"
ARGO_STATUSES = {"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"}
# Argo CD gives a health script no file, OS, module or code-loading access.
_UNSAFE = ("io", "os", "require", "dofile", "loadfile", "loadstring", "load", "package", "debug")
MODELS = {resource.kind: resource.model for resource in RESOURCES}


def run_health(script: str, obj: dict[str, Any]) -> dict[str, str]:
    """What ``script`` returns for ``obj``, as Argo CD would read it (status, message)."""
    lua = lua51.LuaRuntime(unpack_returned_tuples=True, register_eval=False)
    for name in _UNSAFE:
        lua.execute(f"{name} = nil")
    lua.globals().obj = lua.table_from(obj, recursive=True)
    result = lua.execute(script)
    assert result is not None, "the script returned nothing"
    return {key: result[key] for key in ("status", "message") if result[key] is not None}


def cases() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for spec in sorted(CHECKS.glob("*/*/health_test.yaml")):
        for case in yaml.safe_load(spec.read_text())["tests"]:
            found.append((f"{spec.parent.parent.name}/{spec.parent.name}", case))
    return found


@pytest.mark.parametrize(
    ("kind", "case"), cases(), ids=[f"{k}/{Path(c['inputPath']).stem}" for k, c in cases()]
)
def test_the_health_check_judges_the_object_as_expected(kind: str, case: dict[str, Any]) -> None:
    group, name = kind.split("/")
    script = (CHECKS / kind / "health.lua").read_text()
    obj = yaml.safe_load((CHECKS / kind / case["inputPath"]).read_text())

    assert obj["kind"] == name
    assert obj["apiVersion"].split("/")[0] == group
    if group == "fogcompute.io":  # the testdata uses the real fields and condition shapes
        MODELS[name].model_validate(obj)
    assert run_health(script, obj) == case["healthStatus"]


def test_there_is_one_check_per_kind_of_the_api() -> None:
    assert {path.name for path in HEALTH.iterdir()} == set(MODELS)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_each_kind_is_tested_healthy_progressing_degraded_and_without_status(kind: str) -> None:
    tests = yaml.safe_load((HEALTH / kind / "health_test.yaml").read_text())["tests"]
    statuses = {case["healthStatus"]["status"] for case in tests}
    inputs = {case["inputPath"] for case in tests}

    assert {"Healthy", "Progressing", "Degraded"} <= statuses <= ARGO_STATUSES
    new = yaml.safe_load((HEALTH / kind / "testdata" / "progressing_noStatus.yaml").read_text())
    assert "status" not in new
    assert "testdata/progressing_noStatus.yaml" in inputs
    files = {f"testdata/{p.name}" for p in (HEALTH / kind / "testdata").glob("*.yaml")}
    assert files == inputs, "every testdata file is a case, and every case has its file"


def test_the_sandbox_refuses_what_argo_cd_refuses() -> None:
    with pytest.raises(Exception, match="io"):
        run_health('io.open("/etc/passwd")\nreturn {status = "Healthy"}', {})


def test_a_broken_check_fails_its_case() -> None:
    broken = 'return {status = "Healthy", message = "always"}'
    obj = yaml.safe_load(
        (HEALTH / "FogJob" / "testdata" / "degraded_backoffLimit.yaml").read_text()
    )
    assert run_health(broken, obj) != {
        "status": "Degraded",
        "message": obj["status"]["conditions"][1]["message"],
    }


_NAMED = re.compile(r'(?:reason|phase|type)\s*==\s*"(\w+)"|condition\("(\w+)"\)|(\w+)\s*=\s*true')


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_every_condition_reason_and_phase_a_check_names_is_one_the_code_writes(kind: str) -> None:
    """Guards against drift: a reason renamed in the operator must not leave a check behind."""
    script = (HEALTH / kind / "health.lua").read_text()
    named = {next(g for g in match.groups() if g) for match in _NAMED.finditer(script)}
    sources = [*(ROOT / "operator" / "fogcompute_operator").rglob("*.py")]
    sources += [*(ROOT / "api" / "fogcompute_api").rglob("*.py")]
    code = "\n".join(path.read_text() for path in sources)

    assert named, f"{kind}: the check names no reason, phase or condition"
    assert [name for name in sorted(named) if f'"{name}"' not in code] == []
