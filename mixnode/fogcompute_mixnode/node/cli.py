"""``fog-mixnode``: run a mixnode, or generate its key file.

    fog-mixnode keygen --key-file node.key --port 9001 --layer 0 [--epochs 5 6]
        writes the private keys (0600) and prints the node's public directory entry (JSON);
        --epochs defaults to the current and next epoch of --epoch-seconds/--epoch-genesis
    fog-mixnode run --key-file node.key --directory dir.json --port 9001 --workers 2
        serves the live epochs' keys (current, next, previous during --epoch-grace-seconds);
        keys appended to the key file are picked up at the next epoch boundary

Sits on top of ``supervising``. Parses flags into ``NodeSettings`` and nothing more.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from fogcompute_mixnode.directory import (
    add_epoch_flags,
    epoch_clock_from,
    keygen_epochs,
    wall_clock,
)
from fogcompute_mixnode.keyfiles import generate_node_keys, write_node_keys
from fogcompute_mixnode.logconfig import configure_logging
from fogcompute_mixnode.node.settings import NodeSettings
from fogcompute_mixnode.node.supervising import run_node

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fog-mixnode", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    keygen = commands.add_parser("keygen", help="write a key file, print the directory entry")
    keygen.add_argument("--key-file", type=Path, required=True)
    keygen.add_argument(
        "--epochs", type=int, nargs="+", help="default: the clock's current and next epochs"
    )
    add_epoch_flags(keygen)
    keygen.add_argument("--host", default="127.0.0.1")
    keygen.add_argument("--port", type=int, required=True)
    keygen.add_argument("--layer", type=int, default=0)

    run = commands.add_parser("run", help="serve the mixnet port until SIGTERM/SIGINT")
    run.add_argument("--key-file", type=Path, required=True)
    run.add_argument("--directory", type=Path, required=True, help="directory JSON/YAML file")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, required=True)
    run.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    run.add_argument("--metrics-host", default="127.0.0.1")
    run.add_argument("--metrics-port", type=int, required=True)
    run.add_argument("--min-delay-us", type=int, default=0)
    run.add_argument("--max-delay-us", type=int, default=2_000_000)
    run.add_argument("--queue-capacity", type=int, default=50_000)
    run.add_argument("--loop-rate", type=float, default=0.0, help="loops per second, whole node")
    run.add_argument("--loop-delay-mean-us", type=int, default=1_000)
    run.add_argument("--expected-per-epoch", type=int, default=1_000_000)
    add_epoch_flags(run, grace=True)
    return parser


def _keygen(args: argparse.Namespace) -> int:
    try:
        clock = epoch_clock_from(args)
    except ValueError as error:
        log.error("event=bad_settings error=%r", str(error))
        return 2
    now = wall_clock()
    epochs = keygen_epochs(args.epochs, clock=clock, now=now)
    if not epochs or min(epochs) < 0:
        log.error(
            "event=bad_settings error='no epochs >= 0 to generate keys for' epochs=%s "
            "fix='pass --epochs, or an --epoch-genesis in the past'",
            list(epochs),
        )
        return 2
    keys = generate_node_keys(epochs)
    write_node_keys(keys, args.key_file)
    entry = {
        "id": keys.node_id.hex(),
        "host": args.host,
        "port": args.port,
        "layer": args.layer,
        "public_keys": {str(e): k.hex() for e, k in keys.public_keys().items()},
    }
    print(json.dumps(entry))
    log.info(
        "event=keygen key_file=%s epochs=%s current_epoch=%d",
        args.key_file,
        ",".join(str(e) for e in epochs),
        clock.current(now),
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging()
    if args.command == "keygen":
        return _keygen(args)
    settings = NodeSettings(
        key_file=args.key_file,
        directory_file=args.directory,
        host=args.host,
        port=args.port,
        workers=args.workers,
        metrics_host=args.metrics_host,
        metrics_port=args.metrics_port,
        min_delay_us=args.min_delay_us,
        max_delay_us=args.max_delay_us,
        queue_capacity=args.queue_capacity,
        loop_rate=args.loop_rate,
        loop_delay_mean_us=args.loop_delay_mean_us,
        expected_per_epoch=args.expected_per_epoch,
        epoch_seconds=args.epoch_seconds,
        epoch_genesis=args.epoch_genesis,
        epoch_grace_s=args.epoch_grace_seconds,
    )
    try:
        settings.check()
    except ValueError as error:
        log.error("event=bad_settings error=%r", str(error))
        return 2
    return run_node(settings)


if __name__ == "__main__":
    sys.exit(main())
