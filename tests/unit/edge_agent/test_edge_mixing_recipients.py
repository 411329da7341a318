"""FOG_EDGE_MIXNODE_RECIPIENTS: the mailboxes a hosted exit delivers to, from a directory file.

The setting names the variable when the file is missing; the host reads the file every round
and keeps the last good list when an edit leaves it unreadable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fogcompute_edge_agent.mixing.hosting import MixnodeHost
from fogcompute_edge_agent.mixing.settings import MixingSettings
from fogcompute_mixnode.directory import Directory, RecipientEntry, save_directory


def mailbox(port: int) -> RecipientEntry:
    return RecipientEntry(
        recipient_id=bytes([port % 256]) * 32, host="127.0.0.1", port=port, public_key=b"k" * 32
    )


def test_the_setting_takes_a_file_and_names_the_variable_when_it_is_missing(
    tmp_path: Path,
) -> None:
    assert MixingSettings.from_environ({}).recipients_file is None
    path = tmp_path / "recipients.json"
    save_directory(Directory(nodes=(), recipients=(mailbox(9201),)), path)
    assert (
        MixingSettings.from_environ({"FOG_EDGE_MIXNODE_RECIPIENTS": str(path)}).recipients_file
        == path
    )
    with pytest.raises(ValueError, match=r"FOG_EDGE_MIXNODE_RECIPIENTS=.* is not a file"):
        MixingSettings.from_environ({"FOG_EDGE_MIXNODE_RECIPIENTS": str(tmp_path / "nope")})


def test_the_host_reads_the_file_each_round_and_keeps_the_last_good_list(tmp_path: Path) -> None:
    path = tmp_path / "recipients.json"
    save_directory(Directory(nodes=(), recipients=(mailbox(9201),)), path)
    api: Any = object()  # never called by the recipients read
    host = MixnodeHost(
        node="edge-0",
        api=api,
        settings=MixingSettings(recipients_file=path),
        state_dir=tmp_path / "state",
    )
    assert host._static_recipients() == (mailbox(9201),)
    save_directory(Directory(nodes=(), recipients=(mailbox(9201), mailbox(9202))), path)
    assert host._static_recipients() == (mailbox(9201), mailbox(9202))
    path.write_text('{"nodes": [], "recipients": [{"id": "zz"}]}')
    assert host._static_recipients() == (mailbox(9201), mailbox(9202))
