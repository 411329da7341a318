"""Pydantic JSON Schema -> Kubernetes structural OpenAPI v3, the schema half of CRD generation.

``crdgen`` calls ``structural_schema(Model)`` for each kind's spec and status. The conversion
inlines every ``$ref``, turns ``Optional[X]`` into a non-nullable, non-required ``X`` (the API
server prunes a null sent for it, and a merge patch with null deletes it), keeps defaults,
descriptions, bounds, enums and the ``x-kubernetes-*`` extensions the models declare, and drops
what Kubernetes rejects (``title``, ``additionalProperties: false``). OpenAPI in a CRD cannot
constrain a map's keys, so the key rules a model declares (``propertyNames``, the key pattern of
``patternProperties``) become one CEL rule on the map that names the field and the fix.

It refuses, with the path of the offending field, anything that would make the CRD unbounded or
non-structural: a string without maxLength, a list without maxItems, a map without
maxProperties, a union, a node without a type. Pure functions: no files, no cluster.
"""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

__all__ = ["SchemaError", "iter_nodes", "structural_schema"]

_DROPPED = frozenset({"title", "propertyNames", "examples", "$defs"})
_KEY_BOUNDS = (("minLength", ">="), ("maxLength", "<="))
_BOUND_FOR = {"string": "maxLength", "array": "maxItems"}


class SchemaError(ValueError):
    """A model declares something a structural, bounded CRD schema cannot hold."""


def structural_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The structural OpenAPI v3 schema of ``model``, with every bound checked."""
    raw = model.model_json_schema(by_alias=True, mode="validation")
    defs: Mapping[str, Any] = raw.get("$defs", {})
    converted = _convert(raw, defs, path=model.__name__)
    for path, node in iter_nodes(converted, model.__name__):
        _check_bounded(node, path)
    return converted


def iter_nodes(schema: Mapping[str, Any], path: str) -> list[tuple[str, Mapping[str, Any]]]:
    """Every schema node with a readable path (``FogJobSpec.container.command[]``), root first."""
    found: list[tuple[str, Mapping[str, Any]]] = [(path, schema)]
    for name, child in schema.get("properties", {}).items():
        found.extend(iter_nodes(child, f"{path}.{name}"))
    if isinstance(schema.get("items"), Mapping):
        found.extend(iter_nodes(schema["items"], f"{path}[]"))
    if isinstance(schema.get("additionalProperties"), Mapping):
        found.extend(iter_nodes(schema["additionalProperties"], f"{path}{{}}"))
    return found


def _convert(node: Mapping[str, Any], defs: Mapping[str, Any], *, path: str) -> dict[str, Any]:
    base = _resolve(node, defs, path=path)
    out: dict[str, Any] = {}
    for key, value in base.items():
        if key in _DROPPED or key in {"anyOf", "allOf", "$ref"}:
            continue
        if key == "const":
            out["enum"] = [value]
        elif key == "properties":
            out[key] = {k: _convert(v, defs, path=f"{path}.{k}") for k, v in value.items()}
        elif key == "items":
            out[key] = _convert(value, defs, path=f"{path}[]")
        elif key == "additionalProperties":
            if isinstance(value, Mapping):
                out[key] = _convert(value, defs, path=f"{path}{{}}")
        elif key == "patternProperties":
            # Kubernetes has no patternProperties: the value schema is kept, the key pattern
            # is left to the models (and to CEL where a rule needs it).
            if len(value) != 1:
                raise SchemaError(f"{path}: several key patterns cannot be expressed")
            (values_schema,) = value.values()
            out["additionalProperties"] = _convert(values_schema, defs, path=f"{path}{{}}")
        elif key in {"exclusiveMinimum", "exclusiveMaximum"} and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        elif key == "default":
            if value is not None and value != []:
                out[key] = value
        else:
            out[key] = value
    if out.get("type") == "string" and "enum" in out and "maxLength" not in out:
        out["maxLength"] = max(len(str(v)) for v in out["enum"])
    key_rule = _key_rule(base, path=path)
    if key_rule is not None:
        out["x-kubernetes-validations"] = [*out.get("x-kubernetes-validations", []), key_rule]
    return out


def _key_rule(node: Mapping[str, Any], *, path: str) -> dict[str, str] | None:
    """The CEL rule holding a map's key constraints, or None when its keys are free."""
    names: Mapping[str, Any] = node.get("propertyNames", {})
    patterns = [*node.get("patternProperties", {})]
    if "pattern" in names:
        patterns.append(names["pattern"])
    checks = [f"size(k) {op} {names[bound]}" for bound, op in _KEY_BOUNDS if bound in names]
    for pattern in patterns:
        if "'" in pattern or "\n" in pattern:
            raise SchemaError(f"{path}: key pattern {pattern!r} cannot be quoted in CEL")
        checks.append(f"k.matches(r'{pattern}')")
    if not checks:
        return None
    low, high = names.get("minLength"), names.get("maxLength")
    told = [f"{low or 0} to {high} characters" if high is not None else ""]
    told += [f"match {pattern}" for pattern in patterns]
    return {
        "rule": f"self.all(k, {' && '.join(checks)})",
        "message": f"every key of {_user_path(path)} must be {' and '.join(t for t in told if t)}"
        "; rename or remove the offending key",
        "reason": "FieldValueInvalid",
    }


def _user_path(path: str) -> str:
    """``FogJobSpec.nodeSelector`` -> ``spec.nodeSelector``, the path a user writes."""
    model, _, rest = path.partition(".")
    for suffix in ("Spec", "Status"):
        if model.endswith(suffix):
            return f"{suffix.lower()}.{rest}" if rest else suffix.lower()
    return path


def _resolve(node: Mapping[str, Any], defs: Mapping[str, Any], *, path: str) -> dict[str, Any]:
    """Merge a ``$ref``, a one-element ``allOf`` or an ``anyOf`` with null into one node."""
    siblings = {k: v for k, v in node.items() if k not in {"$ref", "allOf", "anyOf"}}
    if "$ref" in node:
        target = _resolve(defs[node["$ref"].rsplit("/", 1)[-1]], defs, path=path)
    elif "allOf" in node:
        if len(node["allOf"]) != 1:
            raise SchemaError(f"{path}: allOf with several schemas is not structural")
        target = _resolve(node["allOf"][0], defs, path=path)
    elif "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        if len(options) != 1:
            raise SchemaError(f"{path}: a union of {len(options)} types is not structural")
        target = _resolve(options[0], defs, path=path)
    else:
        return dict(node)
    merged = {**target, **siblings}
    rules = [
        *target.get("x-kubernetes-validations", []),
        *siblings.get("x-kubernetes-validations", []),
    ]
    if rules:
        merged["x-kubernetes-validations"] = rules
    return merged


def _check_bounded(node: Mapping[str, Any], path: str) -> None:
    kind = node.get("type")
    if kind is None:
        raise SchemaError(f"{path}: has no type; every node of a structural schema needs one")
    bound = _BOUND_FOR.get(kind)
    if bound is not None and bound not in node:
        raise SchemaError(f"{path}: a {kind} needs {bound} (CEL cost and request size)")
    if kind == "object" and "additionalProperties" in node and "maxProperties" not in node:
        raise SchemaError(f"{path}: a map needs maxProperties")
    if kind == "object" and "properties" in node and "additionalProperties" in node:
        raise SchemaError(f"{path}: properties and additionalProperties cannot be combined")
