"""The hash chain over ledger entries: canonical bytes of an entry and its SHA-256 link.

Pure: the writer (``writing``) computes each new entry's hash from the chain head it locked, and
the verifier (``verifying``) recomputes every hash from the stored rows. The canonical form is
compact JSON with sorted keys over everything that gives an entry meaning (id, idempotency key,
memo, and each posting's account, stake and amount in order); ``hash = SHA-256(prev_hash ||
canonical)``. Changing this form breaks every existing chain: add a new version instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import Final

__all__ = ["GENESIS_HASH", "PostingRow", "canonical_entry", "link"]

GENESIS_HASH: Final = bytes(32)
CANONICAL_VERSION: Final = 1

PostingRow = tuple[str, str | None, int]  # (account name, stake uid or None, amount)

_string = encode_basestring  # json's own string quoting (C-accelerated), as json.dumps uses


def canonical_entry(
    *,
    entry_id: int,
    resource_uid: str,
    action: str,
    epoch: int,
    memo: str,
    postings: Sequence[PostingRow],
) -> bytes:
    """The bytes an entry's hash covers.

    Exactly ``json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
    of ``{"v": 1, "id", "uid", "action", "epoch", "memo", "postings": [[account, stake, amount]]}``
    (a unit test holds the two equal), written out by hand because ``verify`` runs it a million
    times.
    """
    legs = ",".join(
        f"[{_string(account)},{'null' if stake is None else _string(stake)},{int(amount)}]"
        for account, stake, amount in postings
    )
    return (
        f'{{"action":{_string(action)},"epoch":{int(epoch)},"id":{int(entry_id)},'
        f'"memo":{_string(memo)},"postings":[{legs}],"uid":{_string(resource_uid)},'
        f'"v":{CANONICAL_VERSION}}}'
    ).encode()


def link(prev_hash: bytes, canonical: bytes) -> bytes:
    """The hash of an entry whose canonical bytes are ``canonical``, after ``prev_hash``."""
    return hashlib.sha256(prev_hash + canonical).digest()
