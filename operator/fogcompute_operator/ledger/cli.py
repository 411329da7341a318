"""``fog-ledger`` / ``python -m fogcompute_operator.ledger``: audit the ledger from a shell.

``verify`` recomputes the hash chain and every invariant (``verifying``) and prints each break
with its entry; ``check`` runs the operator's quick invariant checks; ``migrate`` applies the
schema. The DSN is read from a file (``--dsn-file``, as the testbed and the chart's Secret hold
it), never from the command line, and never printed. Exit status: 0 sound, 1 problems found,
2 the database could not be used. The mixnet's ``fogctl`` must not import the operator, so this
is the operator-side command (it may be aliased under ``fogctl ledger`` later).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from fogcompute_operator.ledger.connecting import read_dsn_file
from fogcompute_operator.ledger.errors import LedgerError
from fogcompute_operator.ledger.writing import Ledger

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fog-ledger", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("verify", "recompute the hash chain and every invariant; name each break"),
        ("check", "the operator's quick invariant checks"),
        ("migrate", "apply the ledger's schema migrations"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument(
            "--dsn-file", type=Path, required=True, help="file holding a libpq DSN or URL"
        )
        command.add_argument("--json", action="store_true", help="print one JSON object")
        command.add_argument("--timeout", type=float, default=10.0, help="connect timeout (s)")
    commands.choices["verify"].add_argument(
        "--max-breaks", type=int, default=50, help="stop listing after this many breaks"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The pool logs each failed reconnect; the one error below says it once.
    logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
    try:
        dsn = read_dsn_file(args.dsn_file)
        ledger = Ledger.open(dsn=dsn, timeout=args.timeout, migrate=args.command == "migrate")
        try:
            return _run(ledger, args)
        finally:
            ledger.close()
    except LedgerError as exc:
        print(f"fog-ledger {args.command}: {exc}", file=sys.stderr)
        return 2


def _run(ledger: Ledger, args: argparse.Namespace) -> int:
    if args.command == "migrate":
        print(f"ledger {ledger.where}: schema up to date")
        return 0
    if args.command == "check":
        violations = ledger.check_invariants()
        if args.json:
            print(
                json.dumps({"where": ledger.where, "violations": [asdict(v) for v in violations]})
            )
        else:
            for v in violations:
                print(f"{v.invariant}: {v.detail}")
            print(f"ledger {ledger.where}: {len(violations) or 'no'} invariant violations")
        return 1 if violations else 0
    report = ledger.verify(max_breaks=args.max_breaks)
    if args.json:
        document = asdict(report) | {"ok": report.ok, "where": ledger.where}
        print(json.dumps(document))
        return 0 if report.ok else 1
    for item in report.breaks:
        print(str(item))
    if report.truncated:
        print(f"(more breaks not listed; raise --max-breaks above {args.max_breaks})")
    verdict = "sound" if report.ok else f"{len(report.breaks)} breaks"
    print(
        f"ledger {ledger.where}: {verdict}: {report.entries} entries, {report.postings} postings,"
        f" supply {report.supply}, head entry {report.head_entry_id}"
        f" ({report.head_hash_hex[:16]}...), {report.seconds:.2f} s"
    )
    return 0 if report.ok else 1
