"""Unit tests of the generated CRDs: structural, bounded, CEL rules with useful messages, and a
small OpenAPI checker that validates and defaults the samples the way the API server would."""

import copy
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pytest
import yaml
from fogcompute_api import RESOURCES, ResourceKind
from fogcompute_api.crdgen import build_crd
from fogcompute_api.primitives import ApiModel
from fogcompute_api.schemas import SchemaError, iter_nodes, structural_schema
from pydantic import BaseModel, Field

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
EXPECTED_NAMES = {
    "EdgeDevice": ("Cluster", ["ed"]),
    "FogJob": ("Namespaced", ["fj"]),
    "MixNode": ("Cluster", ["mn"]),
    "Circuit": ("Namespaced", ["circ"]),
    "Stake": ("Namespaced", ["stk"]),
    "Proposal": ("Cluster", ["prop"]),
}
EXPECTED_COLUMNS = {
    "EdgeDevice": ["Ready", "Harvestable", "Power", "Temp", "Idle", "Last Report", "Age"],
    "FogJob": ["Phase", "Tier", "Nodes", "Ready", "Age"],
    "MixNode": ["Layer", "Node", "Reliability", "Stake", "Ready"],
    "Circuit": ["Hops", "Phase", "Age"],
    "Stake": ["Target", "Amount", "Phase"],
    "Proposal": ["Phase", "Yes", "No", "VotingEnd"],
}
by_kind = pytest.mark.parametrize("entry", RESOURCES, ids=lambda e: e.kind)


def root_schema(entry: ResourceKind) -> dict[str, Any]:
    schema: dict[str, Any] = build_crd(entry)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, Mapping):
        for child in value.values():
            yield from walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from walk(child)


@by_kind
def test_names_scope_category_and_status_subresource(entry: ResourceKind) -> None:
    crd = build_crd(entry)
    scope, short = EXPECTED_NAMES[entry.kind]
    assert crd["metadata"]["name"] == f"{entry.plural}.fogcompute.io"
    assert crd["spec"]["scope"] == scope
    assert crd["spec"]["names"]["shortNames"] == short
    assert crd["spec"]["names"]["categories"] == ["fog"]
    (version,) = crd["spec"]["versions"]
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert version["subresources"] == {"status": {}}


@by_kind
def test_printer_columns_answer_the_first_question(entry: ResourceKind) -> None:
    columns = build_crd(entry)["spec"]["versions"][0]["additionalPrinterColumns"]
    default_columns = [c["name"] for c in columns if c.get("priority", 0) == 0]
    for name in EXPECTED_COLUMNS[entry.kind]:
        assert name in default_columns
    schema = root_schema(entry)
    for column in columns:
        path = column["jsonPath"]
        if path.startswith(".metadata") or "[?(" in path:
            continue
        node = schema
        for part in path.strip(".").split("."):
            node = node["properties"][part]
        assert column["type"] in {"string", "integer", "number", "boolean", "date"}
        expected = {"date": "string"}.get(column["type"], column["type"])
        assert node["type"] == expected, path


@by_kind
def test_schema_is_structural_and_bounded(entry: ResourceKind) -> None:
    schema = root_schema(entry)
    for path, node in iter_nodes(schema, entry.kind):
        assert not {"$ref", "anyOf", "allOf", "oneOf", "not", "$defs", "title"} & set(node), path
        assert node.get("additionalProperties", {}) is not False, path
        assert node.get("nullable") is not True, path
    for part in ("spec", "status"):
        for path, node in iter_nodes(schema["properties"][part], part):
            assert "type" in node, path
            if node["type"] == "string":
                assert node["maxLength"] >= 1, path
            if node["type"] == "array":
                assert node["maxItems"] >= 1, path
            if node["type"] == "object" and "additionalProperties" in node:
                assert node["maxProperties"] >= 1, path
            if "enum" in node:
                assert node["type"] == "string", path


@by_kind
def test_every_cel_rule_has_a_message_naming_a_field(entry: ResourceKind) -> None:
    rules = [
        r
        for v in walk(root_schema(entry))
        if isinstance(v, Mapping)
        for r in v.get("x-kubernetes-validations", [])
    ]
    assert rules, entry.kind
    for rule in rules:
        assert re.search(r"\b(spec|status|metadata)[.\s]", rule["message"]), rule
        assert "\n" not in rule["message"]
        assert rule.get("reason", "FieldValueInvalid") in {
            "FieldValueInvalid",
            "FieldValueForbidden",
            "FieldValueRequired",
            "FieldValueDuplicate",
        }


@by_kind
def test_field_paths_of_rules_exist(entry: ResourceKind) -> None:
    for value in walk(root_schema(entry)):
        if not isinstance(value, Mapping):
            continue
        for rule in value.get("x-kubernetes-validations", []):
            if "fieldPath" not in rule:
                continue
            node = value
            for part in rule["fieldPath"].strip(".").split("."):
                node = node["properties"][part]
            assert "type" in node


def transition_rules_in_lists(schema: Mapping[str, Any], in_atomic_list: bool) -> list[str]:
    found = []
    for rule in schema.get("x-kubernetes-validations", []):
        if "oldSelf" in rule["rule"] and in_atomic_list:
            found.append(rule["rule"])
    for child in schema.get("properties", {}).values():
        found += transition_rules_in_lists(child, in_atomic_list)
    if "items" in schema:
        atomic = schema.get("x-kubernetes-list-type", "atomic") != "map"
        found += transition_rules_in_lists(schema["items"], in_atomic_list or atomic)
    return found


@by_kind
def test_transition_rules_are_only_where_the_server_can_correlate(entry: ResourceKind) -> None:
    assert transition_rules_in_lists(root_schema(entry), in_atomic_list=False) == []


IMMUTABLE = {
    "FogJob": ["tier", "container", "resources", "replicas", "minAvailable", "allowHarvested"],
    "EdgeDevice": ["nodeName"],
    "MixNode": ["nodeName"],
    "Circuit": ["hops"],
    "Stake": ["account", "target"],
    "Proposal": ["changes"],
}


@by_kind
def test_immutable_fields_carry_self_equals_old_self(entry: ResourceKind) -> None:
    spec = root_schema(entry)["properties"]["spec"]
    for field in IMMUTABLE[entry.kind]:
        rules = [r["rule"] for r in spec["properties"][field].get("x-kubernetes-validations", [])]
        assert "self == oldSelf" in rules, field


def test_unbounded_models_are_refused_with_the_field_path() -> None:
    class Loose(ApiModel):
        note: str

    class Listy(ApiModel):
        items: list[Annotated[str, Field(max_length=3)]]

    class Mappy(ApiModel):
        labels: dict[str, Annotated[str, Field(max_length=3)]]

    class Union(ApiModel):
        either: int | str

    for model, fragment in [
        (Loose, "Loose.note: a string needs maxLength"),
        (Listy, "Listy.items: a array needs maxItems"),
        (Mappy, "Mappy.labels: a map needs maxProperties"),
        (Union, "Union.either: a union of 2 types"),
    ]:
        with pytest.raises(SchemaError, match=re.escape(fragment)):
            structural_schema(model)


def test_optional_fields_become_optional_not_nullable() -> None:
    class Inner(ApiModel):
        """Inner doc."""

        size: int = Field(default=2, ge=1, le=3)

    class Outer(ApiModel):
        inner: Inner | None = Field(default=None, description="Outer doc.")
        gt: int = Field(default=1, gt=0, le=9)

    schema = structural_schema(Outer)
    assert schema.get("required") is None
    assert schema["properties"]["inner"] == {
        "type": "object",
        "description": "Outer doc.",
        "properties": {"size": {"type": "integer", "default": 2, "minimum": 1, "maximum": 3}},
    }
    assert schema["properties"]["gt"]["exclusiveMinimum"] is True


# A small OpenAPI checker, enough to check samples the way the API server's schema would.
TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}


def errors(schema: Mapping[str, Any], value: Any, path: str) -> list[str]:
    kind = schema["type"]
    if not isinstance(value, TYPES[kind]) or (
        kind in {"integer", "number"} and isinstance(value, bool)
    ):
        return [f"{path}: must be of type {kind}"]
    found: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: unsupported value")
    if kind == "string":
        if len(value) > schema.get("maxLength", len(value)) or len(value) < schema.get(
            "minLength", 0
        ):
            found.append(f"{path}: length")
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            found.append(f"{path}: pattern")
        if schema.get("format") == "date-time":
            datetime.fromisoformat(value)
    if kind in {"integer", "number"} and not (
        schema.get("minimum", value) <= value <= schema.get("maximum", value)
    ):
        found.append(f"{path}: range")
    if kind == "array":
        if not schema.get("minItems", 0) <= len(value) <= schema["maxItems"]:
            found.append(f"{path}: items")
        for i, item in enumerate(value):
            found += errors(schema["items"], item, f"{path}[{i}]")
    if kind == "object":
        properties = schema.get("properties", {})
        found += [f"{path}.{r}: required" for r in schema.get("required", []) if r not in value]
        for key, item in value.items():
            if key in properties:
                found += errors(properties[key], item, f"{path}.{key}")
            elif "additionalProperties" in schema:
                found += errors(schema["additionalProperties"], item, f"{path}.{key}")
            elif properties or path == "":
                found.append(f"{path}.{key}: unknown field")
    return found


def defaulted(schema: Mapping[str, Any], value: Any) -> Any:
    value = copy.deepcopy(value)
    if isinstance(value, dict):
        for key, child in schema.get("properties", {}).items():
            if key not in value and "default" in child:
                value[key] = copy.deepcopy(child["default"])
            if key in value:
                value[key] = defaulted(child, value[key])
    elif isinstance(value, list) and "items" in schema:
        value = [defaulted(schema["items"], v) for v in value]
    return value


def without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_empty(v) for k, v in value.items() if v not in ({}, [])}
    if isinstance(value, list):
        return [without_empty(v) for v in value]
    return value


@by_kind
def test_sample_passes_the_schema_and_server_defaults_equal_model_defaults(
    entry: ResourceKind,
) -> None:
    document = yaml.safe_load((SAMPLES / f"{entry.kind.lower()}.yaml").read_text())
    schema = root_schema(entry)
    assert errors(schema, document, "") == []
    model: BaseModel = entry.model.model_validate(document)
    from_model = without_empty(model.model_dump(mode="json", exclude_none=True)["spec"])
    from_schema = without_empty(defaulted(schema["properties"]["spec"], document["spec"]))
    assert from_schema == from_model


@pytest.mark.parametrize(
    ("kind", "field", "value", "message"),
    [
        ("FogJob", "replicas", "three", ".spec.replicas: must be of type integer"),
        ("FogJob", "replicas", 17, ".spec.replicas: range"),
        ("FogJob", "tier", "diamond", ".spec.tier: unsupported value"),
        ("MixNode", "layer", 5, ".spec.layer: range"),
        ("Circuit", "hops", 2, ".spec.hops: range"),
        ("Stake", "amount", "1.5", ".spec.amount: pattern"),
        ("Stake", "amount", 1000, ".spec.amount: must be of type string"),
        ("Proposal", "changes", [], ".spec.changes: items"),
        ("EdgeDevice", "nodeName", "Not_A_Node", ".spec.nodeName: pattern"),
    ],
)
def test_schema_refuses_what_the_models_refuse(
    kind: str, field: str, value: Any, message: str
) -> None:
    entry = next(e for e in RESOURCES if e.kind == kind)
    document = yaml.safe_load((SAMPLES / f"{kind.lower()}.yaml").read_text())
    document["spec"][field] = value
    assert message in errors(root_schema(entry), document, "")
