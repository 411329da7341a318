"""The hash chain over ledger entries: canonical bytes of an entry and its SHA-256 link.

Pure: the writer (``writing``) computes each new entry's hash from the chain head it locked, and
the verifier (``verifying``) recomputes every hash from the stored rows. The canonical form is
compact JSON with sorted keys over everything that gives an entry meaning (id, idempotency key,
memo, and each posting's account, stake and amount in order); ``hash = SHA-256(prev_hash ||
canonical)``. Changing this form breaks every existing chain: add a new version instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Final

__all__ = ["GENESIS_HASH", "PostingRow", "canonical_entry", "link"]

GENESIS_HASH: Final = bytes(32)
CANONICAL_VERSION: Final = 1

PostingRow = tuple[str, str | None, int]  # (account name, stake uid or None, amount)


def canonical_entry(
    *,
    entry_id: int,
    resource_uid: str,
    action: str,
    epoch: int,
    memo: str,
    postings: Sequence[PostingRow],
) -> bytes:
    """The bytes an entry's hash covers."""
    document = {
        "v": CANONICAL_VERSION,
        "id": entry_id,
        "uid": resource_uid,
        "action": action,
        "epoch": epoch,
        "memo": memo,
        "postings": [list(p) for p in postings],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link(prev_hash: bytes, canonical: bytes) -> bytes:
    """The hash of an entry whose canonical bytes are ``canonical``, after ``prev_hash``."""
    return hashlib.sha256(prev_hash + canonical).digest()
