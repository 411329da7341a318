"""Every constraint a model declares is enforced by its generated CRD too.

The models refuse what they constrain, but the API server only knows the CRD: a rule the CRD
lacks lets a user store an object the operator must then refuse later (a FogJob whose
``nodeSelector`` key is not a label key was accepted that way). This walks each kind's raw
pydantic JSON Schema beside the generated CRD schema, node by node, and fails naming every
constraint (bound, pattern, enum, map-key rule) that did not make it into the CRD, either as an
OpenAPI keyword or as a CEL rule.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from fogcompute_api import RESOURCES
from fogcompute_api.crdgen import build_crd
from pydantic import BaseModel

# Keywords that carry a constraint, and where OpenAPI keeps them unchanged.
PLAIN = (
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "enum",
    "format",
)
Node = Mapping[str, Any]


def resolve(node: Node, defs: Node) -> dict[str, Any]:
    """One node with ``$ref``, a single ``allOf`` and ``anyOf [X, null]`` merged in."""
    siblings = {k: v for k, v in node.items() if k not in {"$ref", "allOf", "anyOf"}}
    if "$ref" in node:
        target = resolve(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    elif "allOf" in node:
        target = resolve(node["allOf"][0], defs)
    elif "anyOf" in node:
        (only,) = [o for o in node["anyOf"] if o.get("type") != "null"]
        target = resolve(only, defs)
    else:
        return dict(node)
    return {**target, **siblings}


def children(raw: Node, crd: Node) -> Iterator[tuple[str, Node, Node]]:
    for name, child in raw.get("properties", {}).items():
        yield f".{name}", child, crd.get("properties", {}).get(name, {})
    if isinstance(raw.get("items"), Mapping):
        yield "[]", raw["items"], crd.get("items", {})
    values = raw.get("additionalProperties")
    if not isinstance(values, Mapping) and raw.get("patternProperties"):
        (values,) = raw["patternProperties"].values()
    if isinstance(values, Mapping):
        yield "{}", values, crd.get("additionalProperties", {})


def missing(raw: Node, crd: Node, *, path: str, defs: Node) -> list[str]:
    """Every constraint of ``raw`` (recursively) that ``crd`` does not enforce."""
    raw = resolve(raw, defs)
    rules = " ".join(r["rule"] for r in crd.get("x-kubernetes-validations", []))
    lacking = [f"{path}: {k}={raw[k]!r}" for k in PLAIN if k in raw and crd.get(k) != raw[k]]
    if "const" in raw and crd.get("enum") != [raw["const"]]:
        lacking.append(f"{path}: const={raw['const']!r}")
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        bound = "minimum" if key == "exclusiveMinimum" else "maximum"
        if key in raw and (crd.get(bound) != raw[key] or crd.get(key) is not True):
            lacking.append(f"{path}: {key}={raw[key]!r}")
    if raw.get("uniqueItems") and crd.get("x-kubernetes-list-type") not in {"set", "map"}:
        lacking.append(f"{path}: uniqueItems (needs x-kubernetes-list-type set or map)")
    names = raw.get("propertyNames", {})
    key_rules = [f"k.matches(r'{p}')" for p in raw.get("patternProperties", {})]
    key_rules += [f"k.matches(r'{names['pattern']}')"] if "pattern" in names else []
    key_rules += [f"size(k) >= {names['minLength']}"] if "minLength" in names else []
    key_rules += [f"size(k) <= {names['maxLength']}"] if "maxLength" in names else []
    lacking += [f"{path}: map key rule {r}" for r in key_rules if r not in rules]
    for suffix, raw_child, crd_child in children(raw, crd):
        lacking += missing(raw_child, crd_child, path=path + suffix, defs=defs)
    return lacking


def model_gaps(model: type[BaseModel], crd_schema: Node, *, path: str) -> list[str]:
    raw = model.model_json_schema(by_alias=True, mode="validation")
    return missing(raw, crd_schema, path=path, defs=raw.get("$defs", {}))


def crd_root(entry: Any) -> Node:
    root: Node = build_crd(entry)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return root


@pytest.mark.parametrize("entry", RESOURCES, ids=lambda e: e.kind)
def test_every_model_constraint_is_in_the_crd(entry: Any) -> None:
    root = crd_root(entry)
    gaps = model_gaps(entry.spec_model, root["properties"]["spec"], path=f"{entry.kind}.spec")
    gaps += model_gaps(
        entry.status_model, root["properties"]["status"], path=f"{entry.kind}.status"
    )
    assert not gaps, "constraints the CRD lacks:\n" + "\n".join(gaps)


def test_the_walk_finds_a_map_key_rule_the_crd_lacks() -> None:
    fogjob = next(e for e in RESOURCES if e.kind == "FogJob")
    spec = copy.deepcopy(crd_root(fogjob)["properties"]["spec"])
    del spec["properties"]["nodeSelector"]["x-kubernetes-validations"]
    gaps = model_gaps(fogjob.spec_model, spec, path="FogJob.spec")
    assert any(g.startswith("FogJob.spec.nodeSelector: map key rule") for g in gaps), gaps


def test_the_walk_finds_a_bound_the_crd_lacks() -> None:
    fogjob = next(e for e in RESOURCES if e.kind == "FogJob")
    spec = copy.deepcopy(crd_root(fogjob)["properties"]["spec"])
    del spec["properties"]["replicas"]["maximum"]
    gaps = model_gaps(fogjob.spec_model, spec, path="FogJob.spec")
    assert gaps == ["FogJob.spec.replicas: maximum=16"], gaps
