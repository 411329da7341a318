"""``fogctl circuit verify`` on files (and a fake cluster seam): valid, or why not.

Covers ``fogcompute_mixnode.client.circuits`` and its CLI wiring end to end, offline: the
Circuit as ``kubectl get -o yaml`` writes it and the signed directory as the operator publishes
it. Tampered path, proof, weight and epoch must each be rejected with exit code 1.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from fogcompute_mixnode.client.circuits import VerifyOptions, run_verify
from fogcompute_mixnode.client.cli import main
from fogcompute_mixnode.routing import directory_configmap_key
from nacl.signing import SigningKey
from routing_testing import EPOCH, SIGNING_SEED, make_circuit, make_directory, signed

SIGNER_HEX = bytes(SigningKey(SIGNING_SEED).verify_key).hex()


def _circuit_document() -> dict[str, Any]:
    circuit = make_circuit(make_directory(), hops=3)
    return circuit.model_dump(by_alias=True, mode="json", exclude_none=True)


def _write(tmp_path: Path, *, circuit: dict[str, Any], directory: dict[str, Any]) -> list[str]:
    circuit_file, directory_file = tmp_path / "circuit.yaml", tmp_path / "directory.json"
    circuit_file.write_text(yaml.safe_dump(circuit))
    directory_file.write_text(json.dumps(directory))
    return [
        "circuit",
        "verify",
        "team-a/c1",
        "--from-file",
        str(circuit_file),
        "--directory-file",
        str(directory_file),
    ]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def test_an_honest_circuit_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = _write(tmp_path, circuit=_circuit_document(), directory=signed(make_directory()))
    code, out = _run([*argv, "--trusted-key", SIGNER_HEX], capsys)
    assert code == 0, out
    assert out.startswith(f"valid: team-a/c1 epoch {EPOCH}: mix-0-")
    assert "pinned key" in out


def _tamper_path(circuit: dict[str, Any], directory: dict[str, Any]) -> None:
    hop = circuit["status"]["path"][2]
    other = next(
        n
        for n in directory["directory"]["nodes"]
        if n["layer"] == 2 and n["name"] != hop["mixNode"]
    )
    hop.update(
        mixNode=other["name"], address=other["address"], publicKey=other["publicKeys"][str(EPOCH)]
    )


def _tamper_proof(circuit: dict[str, Any], directory: dict[str, Any]) -> None:
    proof = bytearray(bytes.fromhex(circuit["status"]["vrf"]["proof"]))
    proof[50] ^= 0x10
    circuit["status"]["vrf"]["proof"] = proof.hex()


def _tamper_output(circuit: dict[str, Any], directory: dict[str, Any]) -> None:
    circuit["status"]["vrf"]["output"] = "00" * 64


def _tamper_weight(circuit: dict[str, Any], directory: dict[str, Any]) -> None:
    node = directory["directory"]["nodes"][0]
    node["stake"] = str(int(node["stake"]) * 1000)


def _tamper_epoch(circuit: dict[str, Any], directory: dict[str, Any]) -> None:
    circuit["status"]["epoch"] = EPOCH + 1


def _tamper_uid(circuit: dict[str, Any], directory: dict[str, Any]) -> None:
    circuit["metadata"]["uid"] = "00000000-0000-0000-0000-000000000000"


TAMPERINGS = {
    "path": (_tamper_path, "status.path layer 2: the draw gives"),
    "proof": (_tamper_proof, "status.vrf.proof does not verify"),
    "output": (_tamper_output, "status.vrf.output is not the output"),
    "epoch": (_tamper_epoch, "status.epoch is 8 but the directory is for epoch 7"),
    "uid": (_tamper_uid, "status.vrf.alpha does not bind"),
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_a_tampered_circuit_is_rejected_with_the_reason(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    circuit, directory = _circuit_document(), copy.deepcopy(signed(make_directory()))
    tamper, reason = TAMPERINGS[name]
    tamper(circuit, directory)
    code, out = _run(_write(tmp_path, circuit=circuit, directory=directory), capsys)
    assert code == 1, out
    assert out.startswith("invalid: team-a/c1")
    assert reason in out


def test_a_tampered_weight_breaks_the_directory_signature(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    circuit, directory = _circuit_document(), copy.deepcopy(signed(make_directory()))
    _tamper_weight(circuit, directory)
    code, out = _run(_write(tmp_path, circuit=circuit, directory=directory), capsys)
    assert code == 2
    assert "signature of epoch 7 does not verify" in json.loads(out)["error"]


def test_a_re_signed_directory_with_other_weights_fails_the_draw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Someone holding a signing key republishes different weights: the signature holds (the
    # key is not pinned), but the proof's input bound the original directory's digest.
    heavier = make_directory()
    first = heavier.nodes[0]
    heavier = type(heavier)(
        epoch=heavier.epoch,
        vrf_public_key=heavier.vrf_public_key,
        nodes=(type(first)(**{**first.__dict__, "stake": first.stake * 1000}), *heavier.nodes[1:]),
    )
    code, out = _run(
        _write(tmp_path, circuit=_circuit_document(), directory=signed(heavier)), capsys
    )
    assert code == 1
    assert "status.vrf.alpha does not bind" in out


def test_an_untrusted_signer_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = _write(tmp_path, circuit=_circuit_document(), directory=signed(make_directory()))
    code, out = _run([*argv, "--trusted-key", "ab" * 32, "-o", "json"], capsys)
    assert code == 2
    assert "not a trusted key" in json.loads(out)["error"]


def test_json_output_carries_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _write(tmp_path, circuit=_circuit_document(), directory=signed(make_directory()))
    code, out = _run([*argv, "-o", "json"], capsys)
    report = json.loads(out)
    assert code == 0
    assert report["valid"] is True
    assert report["signerPinned"] is False
    assert report["directorySigner"] == SIGNER_HEX
    assert len(report["path"]) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("kind: FogJob\n", "expected a Circuit"),
        ("kind: Circuit\nspec: {hops: 9}\n", "spec.hops"),
        ("kind: [unclosed\n", "not valid YAML"),
    ],
)
def test_an_unreadable_circuit_file_is_a_clear_error(
    content: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _write(tmp_path, circuit={}, directory=signed(make_directory()))
    (tmp_path / "circuit.yaml").write_text(content)
    code, out = _run(argv, capsys)
    assert code == 2
    assert message in json.loads(out)["error"]


def test_a_file_for_another_circuit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _write(tmp_path, circuit=_circuit_document(), directory=signed(make_directory()))
    argv[2] = "team-b/c1"
    code, out = _run(argv, capsys)
    assert code == 2
    assert "holds another circuit" in out


class FakeCluster:
    """The ``ClusterReader`` seam with one Circuit and the directory ConfigMap."""

    def __init__(self, *, data: Mapping[str, str]) -> None:
        self.data = data
        self.asked: list[str] = []

    def circuit(self, *, namespace: str, name: str) -> Mapping[str, Any]:
        self.asked.append(f"circuit {namespace}/{name}")
        return _circuit_document()

    def config_map_data(self, *, namespace: str, name: str) -> Mapping[str, str]:
        self.asked.append(f"configmap {namespace}/{name}")
        return self.data


def test_the_cluster_path_reads_the_epochs_configmap_key() -> None:
    cluster = FakeCluster(
        data={directory_configmap_key(EPOCH): json.dumps(signed(make_directory()))}
    )
    verdict, opened = run_verify(VerifyOptions(ref="team-a/c1"), reader=cluster)
    assert verdict.valid, verdict.reasons
    assert cluster.asked == ["circuit team-a/c1", "configmap fog-system/fog-mixnet-directory"]
    assert opened.directory.epoch == EPOCH


def test_an_expired_epoch_directory_is_a_clear_error() -> None:
    cluster = FakeCluster(data={directory_configmap_key(EPOCH + 3): "{}"})
    with pytest.raises(ValueError, match=r"has no epoch-7\.json \(it holds epoch-10\.json\)"):
        run_verify(VerifyOptions(ref="team-a/c1"), reader=cluster)


def test_without_a_kubeconfig_the_cluster_path_says_how_to_go_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent.yaml"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    code, out = _run(["circuit", "verify", "team-a/c1"], capsys)
    assert code == 2
    assert "--from-file and --directory-file" in json.loads(out)["error"]
