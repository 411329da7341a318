"""The mixnet directory: node id -> address, layer and keys; recipient id -> mailbox.

Sits under the daemon and the client. A file or an in-memory table for now; MixNode
resources will fill it later.
"""

from fogcompute_mixnode.directory.entries import Address, Directory, NodeEntry, RecipientEntry
from fogcompute_mixnode.directory.loading import (
    load_directory,
    parse_directory,
    render_directory,
    save_directory,
)
from fogcompute_mixnode.directory.pathing import choose_route, to_path

__all__ = [
    "Address",
    "Directory",
    "NodeEntry",
    "RecipientEntry",
    "choose_route",
    "load_directory",
    "parse_directory",
    "render_directory",
    "save_directory",
    "to_path",
]
