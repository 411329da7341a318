"""Directory files and key files: round trips, errors that name the field, 0600 keys."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fogcompute_mixnode.directory import choose_route, load_directory, parse_directory
from fogcompute_mixnode.keyfiles import (
    generate_mailbox_keys,
    generate_node_keys,
    read_mailbox_keys,
    read_node_keys,
    write_mailbox_keys,
    write_node_keys,
)


def document(layers: list[int]) -> dict[str, object]:
    return {
        "epoch": 2,
        "nodes": [
            {"id": f"{i:064x}", "port": 9000 + i, "layer": layer, "public_keys": {"2": "ab" * 32}}
            for i, layer in enumerate(layers)
        ],
        "recipients": [{"id": "cd" * 32, "port": 9500, "public_key": "ef" * 32}],
    }


def test_yaml_and_json_files_give_the_same_directory(tmp_path: Path) -> None:
    (tmp_path / "d.json").write_text(json.dumps(document([0, 1, 2])))
    import yaml

    (tmp_path / "d.yaml").write_text(yaml.safe_dump(document([0, 1, 2])))
    from_json = load_directory(tmp_path / "d.json")
    assert from_json == load_directory(tmp_path / "d.yaml")
    assert from_json.node_address(bytes.fromhex(f"{1:064x}")) == ("127.0.0.1", 9001)
    assert from_json.recipient_address(bytes.fromhex("cd" * 32)) == ("127.0.0.1", 9500)


def test_route_takes_one_node_per_layer_in_order() -> None:
    directory = parse_directory(document([2, 0, 1, 0, 2]))
    for _ in range(20):
        route = choose_route(directory)
        assert [entry.layer for entry in route] == [0, 1, 2]


def test_errors_name_the_field() -> None:
    bad = document([0])
    bad["nodes"][0]["port"] = 70000  # type: ignore[index]
    with pytest.raises(ValueError, match=r"nodes\[0\]\.port"):
        parse_directory(bad)
    bad = document([0])
    bad["recipients"][0]["public_key"] = "zz"  # type: ignore[index]
    with pytest.raises(ValueError, match=r"recipients\[0\]\.public_key"):
        parse_directory(bad)


def test_key_files_round_trip_and_are_private(tmp_path: Path) -> None:
    node = generate_node_keys([0, 1])
    write_node_keys(node, tmp_path / "node.key")
    assert os.stat(tmp_path / "node.key").st_mode & 0o777 == 0o600
    assert read_node_keys(tmp_path / "node.key") == node
    assert node.epoch_keys[0].private_key.hex() not in repr(node)
    mailbox = generate_mailbox_keys()
    write_mailbox_keys(mailbox, tmp_path / "mb.key")
    assert read_mailbox_keys(tmp_path / "mb.key") == mailbox


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "node.key"
    write_node_keys(generate_node_keys([0]), path)
    path.chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        read_node_keys(path)
