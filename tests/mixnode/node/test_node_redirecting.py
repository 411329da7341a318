"""Directory reload in a running worker: a rewritten file is used, a bad one is kept out."""

from __future__ import annotations

import os
from pathlib import Path

from fogcompute_mixnode.directory import Directory, load_directory, save_directory
from fogcompute_mixnode.directory.entries import NodeEntry
from fogcompute_mixnode.node.redirecting import DirectoryReloader
from fogcompute_mixnode.sphinx import NodeId


def table(*ports: int) -> Directory:
    return Directory(
        nodes=tuple(
            NodeEntry(
                node_id=NodeId(bytes([i + 1]) * 32),
                host="127.0.0.1",
                port=port,
                layer=i,
                public_keys={0: bytes([9]) * 32},
            )
            for i, port in enumerate(ports)
        )
    )


def bump(path: Path, step: int) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + step * 1_000_000_000))


def test_a_rewritten_directory_reaches_every_user_once(tmp_path: Path) -> None:
    path = tmp_path / "directory.json"
    save_directory(table(9001), path)
    seen: list[list[int]] = []
    reloader = DirectoryReloader(
        path=path, users=[lambda d: seen.append([n.port for n in d.nodes])] * 2, interval_s=1
    )
    assert not reloader.reload_if_changed()  # unchanged since start
    save_directory(table(9001, 9002), path)
    bump(path, 1)
    assert reloader.reload_if_changed()
    assert seen == [[9001, 9002], [9001, 9002]]
    assert not reloader.reload_if_changed()
    assert reloader.reloads == {"ok": 1}


def test_a_bad_file_keeps_the_previous_table_and_is_retried(tmp_path: Path) -> None:
    path = tmp_path / "directory.json"
    save_directory(table(9001), path)
    seen: list[Directory] = []
    reloader = DirectoryReloader(path=path, users=[seen.append], interval_s=1)
    path.write_text("{not json")
    bump(path, 1)
    assert not reloader.reload_if_changed()
    assert not reloader.reload_if_changed()  # retried, still bad
    assert reloader.reloads == {"error": 2}
    save_directory(table(9003), path)
    bump(path, 2)
    assert reloader.reload_if_changed()
    assert [n.port for n in seen[0].nodes] == [9003]
    assert load_directory(path) == seen[0]
