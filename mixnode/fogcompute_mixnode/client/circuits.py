"""``fogctl circuit verify``: fetch a Circuit and its epoch's signed directory, check the draw.

Sits in the client under ``cli``: reads the Circuit from a file (``--from-file``, JSON or YAML
as ``kubectl get -o`` writes it) or from the cluster with the current kubeconfig, reads the
signed directory from a file (``--directory-file``) or from the operator's ConfigMap, and
hands both to ``fogcompute_mixnode.routing.verify_circuit``. The cluster sits behind the
``ClusterReader`` seam; the kubernetes client is imported only when the cluster is read.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from fogcompute_api.circuits import Circuit
from pydantic import ValidationError

from fogcompute_mixnode.directory.signed import load_signed_directory, read_document
from fogcompute_mixnode.routing import (
    DIRECTORY_CONFIGMAP,
    DIRECTORY_NAMESPACE,
    CircuitVerdict,
    OpenedDirectory,
    directory_configmap_key,
    open_signed_directory,
    verify_circuit,
)

__all__ = [
    "ClusterReader",
    "KubernetesReader",
    "VerifyOptions",
    "parse_circuit",
    "parse_ref",
    "render_verdict",
    "run_verify",
]


class ClusterReader(Protocol):
    """The cluster seam: one custom object, one ConfigMap's data."""

    def circuit(self, *, namespace: str, name: str) -> Mapping[str, Any]: ...

    def config_map_data(self, *, namespace: str, name: str) -> Mapping[str, str]: ...


class KubernetesReader:
    """``ClusterReader`` over the kubernetes client with the current kubeconfig."""

    def __init__(self) -> None:
        try:
            from kubernetes import client, config  # only when the cluster is read
        except ImportError as error:
            raise ValueError(
                "reading the cluster needs the kubernetes package: pip install kubernetes, "
                "or pass --from-file and --directory-file"
            ) from error
        try:
            config.load_kube_config()  # type: ignore[no-untyped-call]
        except config.ConfigException:
            try:
                config.load_incluster_config()  # type: ignore[no-untyped-call]
            except config.ConfigException as error:
                raise ValueError(
                    "no kubeconfig (set KUBECONFIG) and not in a pod: cannot read the cluster; "
                    "pass --from-file and --directory-file to verify offline"
                ) from error
        self._custom = client.CustomObjectsApi()
        self._core = client.CoreV1Api()
        self._api_error: type[Exception] = client.ApiException

    def circuit(self, *, namespace: str, name: str) -> Mapping[str, Any]:
        try:
            found = self._custom.get_namespaced_custom_object(
                "fogcompute.io", "v1alpha1", namespace, "circuits", name
            )
        except self._api_error as error:
            raise ValueError(f"circuit {namespace}/{name}: {_reason(error)}") from error
        if not isinstance(found, Mapping):
            raise ValueError(f"circuit {namespace}/{name}: the API server returned no object")
        return found

    def config_map_data(self, *, namespace: str, name: str) -> Mapping[str, str]:
        try:
            data = self._core.read_namespaced_config_map(name, namespace).data
        except self._api_error as error:
            raise ValueError(
                f"directory ConfigMap {namespace}/{name}: {_reason(error)}; "
                "pass --directory-configmap or --directory-file"
            ) from error
        return data or {}


def _reason(error: Exception) -> str:
    status, reason = getattr(error, "status", "?"), getattr(error, "reason", str(error))
    return f"the API server answered {status} {reason}"


@dataclass(frozen=True)
class VerifyOptions:
    """Where the Circuit and the directory come from, and which directory keys to trust."""

    ref: str | None = None
    circuit_file: Path | None = None
    directory_file: Path | None = None
    directory_configmap: str = f"{DIRECTORY_NAMESPACE}/{DIRECTORY_CONFIGMAP}"
    trusted_keys: Collection[bytes] = ()


def parse_ref(ref: str) -> tuple[str, str]:
    """``<namespace>/<name>`` (or ``<name>`` in ``default``) as (namespace, name)."""
    namespace, _, name = ref.rpartition("/")
    if not name or "/" in namespace:
        raise ValueError(f"circuit: expected <namespace>/<name>, got {ref!r}")
    return namespace or "default", name


def parse_circuit(document: Any) -> Circuit:
    """A Circuit from its API document; ValueError naming the fields that do not parse."""
    if not isinstance(document, Mapping) or document.get("kind") != "Circuit":
        raise ValueError("circuit: expected a Circuit object (kind: Circuit)")
    try:
        return Circuit.model_validate(document)
    except ValidationError as error:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in error.errors()[:5])
        raise ValueError(f"circuit: the object does not parse ({fields})") from error


def _load_circuit(options: VerifyOptions, reader: ClusterReader | None) -> Circuit:
    if options.circuit_file is not None:
        circuit = parse_circuit(read_document(options.circuit_file))
        if options.ref is not None:
            namespace, name = parse_ref(options.ref)
            if (circuit.metadata.namespace or "default", circuit.metadata.name) != (
                namespace,
                name,
            ):
                raise ValueError(f"{options.circuit_file} holds another circuit than {options.ref}")
        return circuit
    if options.ref is None or reader is None:
        raise ValueError("name the circuit as <namespace>/<name>, or pass --from-file")
    namespace, name = parse_ref(options.ref)
    return parse_circuit(reader.circuit(namespace=namespace, name=name))


def _load_directory(
    options: VerifyOptions, circuit: Circuit, reader: ClusterReader | None
) -> OpenedDirectory:
    if options.directory_file is not None:
        return load_signed_directory(options.directory_file, trusted_keys=options.trusted_keys)
    epoch = circuit.status.epoch if circuit.status is not None else None
    if epoch is None:
        raise ValueError("the circuit has no status.epoch yet: it has not been drawn")
    if reader is None:
        raise ValueError("pass --directory-file, or drop --from-file to read the cluster")
    namespace, name = parse_ref(options.directory_configmap)
    data = reader.config_map_data(namespace=namespace, name=name)
    key = directory_configmap_key(epoch)
    if key not in data:
        kept = ", ".join(sorted(data)) or "nothing"
        raise ValueError(
            f"ConfigMap {namespace}/{name} has no {key} (it holds {kept}); the epoch's "
            "directory is no longer published: verify with a saved --directory-file"
        )
    return open_signed_directory(json.loads(data[key]), trusted_keys=options.trusted_keys)


def run_verify(
    options: VerifyOptions, *, reader: ClusterReader | None = None
) -> tuple[CircuitVerdict, OpenedDirectory]:
    """Load both objects and verify; ValueError (with the fix) when either cannot be read."""
    circuit = _load_circuit(options, reader)
    opened = _load_directory(options, circuit, reader)
    return verify_circuit(circuit, opened=opened), opened


def render_verdict(verdict: CircuitVerdict, opened: OpenedDirectory, *, as_json: bool) -> str:
    """What ``fogctl circuit verify`` prints: one JSON object, or text lines."""
    trust = "pinned key" if opened.pinned else "key named in the document (not pinned)"
    if as_json:
        return json.dumps(
            {
                "event": "circuit-verify",
                "circuit": verdict.circuit,
                "valid": verdict.valid,
                "epoch": verdict.epoch,
                "path": list(verdict.path),
                "reasons": list(verdict.reasons),
                "directorySigner": opened.signer_key.hex(),
                "signerPinned": opened.pinned,
            }
        )
    if verdict.valid:
        return (
            f"valid: {verdict.circuit} epoch {verdict.epoch}: {' -> '.join(verdict.path)} "
            f"(directory signed by {opened.signer_key.hex()[:16]}.., {trust})"
        )
    return "\n".join(
        [f"invalid: {verdict.circuit} epoch {verdict.epoch}"]
        + [f"  - {reason}" for reason in verdict.reasons]
    )
