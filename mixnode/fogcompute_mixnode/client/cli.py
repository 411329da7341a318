"""``fogctl``: the mixnet client: keys, the mailbox process, sending, replying.

    fogctl keygen  --key-file me.key --port 9201       # prints the directory recipient entry
    fogctl mailbox --key-file me.key --directory dir.json --store ./inbox [--auto-reply TEXT]
    fogctl send    --directory dir.json --to <recipient hex> --text hello [--identity me.key
                   --with-surb --await-reply 10] [--rate 50 --loop-rate 5 --drop-rate 5]
                   [--circuit <ns>/<name>]   # along a Circuit's path, keys from the cluster
    fogctl reply   --key-file me.key --directory dir.json --store ./inbox --message-id <hex>
                   --text answer
    fogctl circuit verify <ns>/<name> [--from-file circuit.yaml] [--directory-file dir.json]
                   [--trusted-key <hex>] [-o json]   # exit 0 valid, 1 invalid, 2 unreadable

``mailbox``, ``send`` and ``reply`` take the daemon's ``--epoch-seconds``/``--epoch-genesis``
and build every packet and SURB for the current epoch. Sits on top of the client package;
parses flags and prints one JSON object per event on stdout (logs go to stderr as
key=value). Message bodies are never logged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from fogcompute_mixnode.client.circuits import (
    KubernetesReader,
    VerifyOptions,
    render_verdict,
    run_verify,
)
from fogcompute_mixnode.client.running import run_mailbox, run_reply, run_send
from fogcompute_mixnode.directory import add_epoch_flags
from fogcompute_mixnode.keyfiles import generate_mailbox_keys, write_mailbox_keys
from fogcompute_mixnode.logconfig import configure_logging


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--directory", type=Path, required=True, help="directory JSON/YAML")
    parser.add_argument("--hop-delay-mean-us", type=float, default=1_000.0)
    parser.add_argument("--max-delay-us", type=int, default=2_000_000)
    add_epoch_flags(parser)  # the daemon's flags and defaults: packets use the current epoch


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fogctl", description="fog-compute mixnet client")
    commands = parser.add_subparsers(dest="command", required=True)

    keygen = commands.add_parser("keygen", help="write mailbox keys, print the directory entry")
    keygen.add_argument("--key-file", type=Path, required=True)
    keygen.add_argument("--host", default="127.0.0.1")
    keygen.add_argument("--port", type=int, required=True)

    mailbox = commands.add_parser("mailbox", help="receive, decrypt and store messages")
    _common(mailbox)
    mailbox.add_argument("--key-file", type=Path, required=True)
    mailbox.add_argument("--store", type=Path, required=True, help="directory for messages")
    mailbox.add_argument("--auto-reply", help="answer every message carrying a SURB with this")

    send = commands.add_parser("send", help="send messages through the Loopix payload stream")
    _common(send)
    send.add_argument("--to", required=True, help="recipient id (hex) from the directory")
    send.add_argument("--text", action="append", default=[], help="a message (repeatable)")
    send.add_argument("--file", type=Path, help="one message per line")
    send.add_argument("--identity", type=Path, help="our mailbox key file (for SURBs, loops)")
    send.add_argument("--with-surb", action="store_true", help="attach a SURB for an answer")
    send.add_argument("--await-reply", type=float, default=0.0, help="seconds to wait")
    send.add_argument("--rate", type=float, default=50.0, help="payload packets per second")
    send.add_argument("--loop-rate", type=float, default=0.0)
    send.add_argument("--drop-rate", type=float, default=0.0)
    send.add_argument("--linger", type=float, default=0.0, help="seconds to keep streams up")
    send.add_argument(
        "--circuit",
        help="<namespace>/<name> of a Circuit: send along its path (reads the cluster); "
        "--directory then supplies only the recipients",
    )

    reply = commands.add_parser("reply", help="answer a stored message through its SURB")
    _common(reply)
    reply.add_argument("--key-file", type=Path, required=True)
    reply.add_argument("--store", type=Path, required=True)
    reply.add_argument("--message-id", required=True)
    reply.add_argument("--text", required=True)
    _circuit_commands(commands)
    return parser


def _circuit_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    circuit = commands.add_parser("circuit", help="inspect Circuits")
    actions = circuit.add_subparsers(dest="circuit_command", required=True)
    verify = actions.add_parser(
        "verify", help="recompute a Circuit's path from the signed directory and its VRF proof"
    )
    verify.add_argument("ref", nargs="?", help="<namespace>/<name> of the Circuit")
    verify.add_argument("--from-file", type=Path, help="the Circuit as JSON/YAML (offline)")
    verify.add_argument("--directory-file", type=Path, help="the signed directory (offline)")
    verify.add_argument(
        "--directory-configmap",
        default=VerifyOptions.directory_configmap,
        help="<namespace>/<name> of the ConfigMap the operator publishes directories in",
    )
    verify.add_argument(
        "--trusted-key",
        action="append",
        default=[],
        help="the operator's Ed25519 directory key (hex); repeatable; pins the signer",
    )
    verify.add_argument("-o", "--output", choices=("text", "json"), default="text")


def _circuit_verify(args: argparse.Namespace) -> int:
    try:
        keys = tuple(bytes.fromhex(k) for k in args.trusted_key)
    except ValueError:
        keys = ()
    if len(keys) != len(args.trusted_key) or any(len(k) != 32 for k in keys):
        raise ValueError("--trusted-key: expected 64 hex characters (an Ed25519 public key)")
    options = VerifyOptions(
        ref=args.ref,
        circuit_file=args.from_file,
        directory_file=args.directory_file,
        directory_configmap=args.directory_configmap,
        trusted_keys=keys,
    )
    offline = args.from_file is not None and args.directory_file is not None
    verdict, opened = run_verify(options, reader=None if offline else KubernetesReader())
    print(render_verdict(verdict, opened, as_json=args.output == "json"), flush=True)
    return 0 if verdict.valid else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging()
    if args.command == "keygen":
        keys = generate_mailbox_keys()
        write_mailbox_keys(keys, args.key_file)
        entry = {
            "id": keys.recipient_id.hex(),
            "host": args.host,
            "port": args.port,
            "public_key": keys.public_key.hex(),
        }
        print(json.dumps(entry), flush=True)
        return 0
    try:
        if args.command == "circuit":
            return _circuit_verify(args)
        if args.command == "mailbox":
            return asyncio.run(run_mailbox(args))
        if args.command == "send":
            return asyncio.run(run_send(args))
        return asyncio.run(run_reply(args))
    except (ValueError, PermissionError, FileNotFoundError) as error:
        print(json.dumps({"event": "error", "error": str(error)}), flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
