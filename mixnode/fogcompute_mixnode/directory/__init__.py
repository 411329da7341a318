"""The mixnet directory: node id -> address, layer and keys; recipient id -> mailbox.

Sits under the daemon and the client. A static file, an in-memory table, or the signed
per-epoch directory the operator publishes from the Ready MixNodes (``signed``).
``epochs`` is the key-epoch clock both sides share.
"""

from fogcompute_mixnode.directory.entries import Address, Directory, NodeEntry, RecipientEntry
from fogcompute_mixnode.directory.epochs import (
    Clock,
    EpochClock,
    add_epoch_flags,
    epoch_clock_from,
    keygen_epochs,
    wall_clock,
)
from fogcompute_mixnode.directory.loading import (
    load_directory,
    parse_directory,
    render_directory,
    save_directory,
)
from fogcompute_mixnode.directory.pathing import MissingEpochKeyError, choose_route, to_path
from fogcompute_mixnode.directory.signed import directory_from_epoch, load_signed_directory

__all__ = [
    "Address",
    "Clock",
    "Directory",
    "EpochClock",
    "MissingEpochKeyError",
    "NodeEntry",
    "RecipientEntry",
    "add_epoch_flags",
    "choose_route",
    "directory_from_epoch",
    "epoch_clock_from",
    "keygen_epochs",
    "load_directory",
    "load_signed_directory",
    "parse_directory",
    "render_directory",
    "save_directory",
    "to_path",
    "wall_clock",
]
