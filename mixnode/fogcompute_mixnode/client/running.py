"""The long-running bodies of ``fogctl mailbox``, ``send`` and ``reply`` (asyncio).

Sits between ``cli`` (flags) and the client package: binds the UDP endpoint (our recipient
address from the directory when we have an identity, an ephemeral port otherwise), wires the
inbox and the Loopix streams, reloads the routing table at every epoch boundary
(``reloading``: the ``--directory`` file, or the Circuit and the published directory with
``--circuit``; event ``directory_reloaded``), and prints one JSON object per event on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
from typing import Any

from fogcompute_mixnode.client.inboxes import Inbox, InboxProtocol
from fogcompute_mixnode.client.packets import PacketFactory
from fogcompute_mixnode.client.reloading import DirectoryReloader, DirectorySource, FileSource
from fogcompute_mixnode.client.storing import MailboxStore
from fogcompute_mixnode.client.streams import LoopixClient, Outgoing, StreamRates
from fogcompute_mixnode.directory import (
    Address,
    Directory,
    epoch_clock_from,
    load_directory,
    wall_clock,
)
from fogcompute_mixnode.keyfiles import MailboxKeys, read_mailbox_keys

log = logging.getLogger(__name__)


def _emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def _factory(args: argparse.Namespace, directory: Directory) -> PacketFactory:
    return PacketFactory(
        directory=directory,
        epochs=epoch_clock_from(args),
        hop_delay_mean_us=args.hop_delay_mean_us,
        max_delay_us=args.max_delay_us,
    )


def _own_address(directory: Directory, keys: MailboxKeys) -> Address:
    address = directory.recipient_address(keys.recipient_id)
    if address is None:
        raise ValueError(
            f"recipient {keys.recipient_id.hex()} is not in the directory's 'recipients'; "
            "add the entry printed by `fogctl keygen`"
        )
    return address


async def _endpoint(inbox: Inbox, local: Address) -> InboxProtocol:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_datagram_endpoint(
        lambda: InboxProtocol(inbox.handle), local_addr=local
    )
    return protocol


def _reloader(
    args: argparse.Namespace, source: DirectorySource, factory: PacketFactory
) -> DirectoryReloader:
    """Swaps ``factory.directory`` for the source's table at every epoch boundary."""

    def reloaded(epoch: int, directory: Directory) -> None:
        _emit("directory_reloaded", epoch=epoch, nodes=len(directory.nodes))

    epochs = epoch_clock_from(args)
    return DirectoryReloader(
        source=source,
        routed=factory,
        epochs=epochs,
        loaded_epoch=epochs.current(wall_clock()),
        on_reload=reloaded,
    )


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def run_mailbox(args: argparse.Namespace) -> int:
    keys = read_mailbox_keys(args.key_file)
    directory = load_directory(args.directory)
    address = _own_address(directory, keys)
    store = MailboxStore(args.store)
    protocol = InboxProtocol(lambda _: None)
    auto_reply = None if args.auto_reply is None else args.auto_reply.encode()
    inbox = Inbox(
        keys=keys,
        factory=_factory(args, directory),
        send=lambda data, to: protocol.send(data, to),
        store=store,
        auto_reply=auto_reply,
    )
    protocol = await _endpoint(inbox, address)
    stop = _stop_event()
    reloading = asyncio.create_task(
        _reloader(args, FileSource(args.directory), inbox.factory).run(stop)
    )
    _emit("mailbox_ready", recipient=keys.recipient_id.hex(), port=address[1])
    await stop.wait()
    await reloading
    if protocol.transport is not None:
        protocol.transport.close()
    counts = inbox.counts
    _emit("mailbox_stopped", stored=store.stored, **vars(counts))
    return 0


def _outgoing(args: argparse.Namespace, directory: Directory) -> list[Outgoing]:
    try:
        recipient_id = bytes.fromhex(args.to)
    except ValueError as error:
        raise ValueError(f"--to must be a recipient id in hex, got {args.to!r}") from error
    recipient = directory.recipient(recipient_id)
    if recipient is None:
        raise ValueError(f"--to {args.to}: no such recipient in {args.directory}")
    texts = list(args.text)
    if args.file is not None:
        texts += [line for line in args.file.read_text(encoding="utf-8").splitlines() if line]
    if not texts:
        raise ValueError("nothing to send: give --text (repeatable) or --file")
    return [Outgoing(recipient=recipient, body=t.encode(), with_surb=args.with_surb) for t in texts]


async def run_send(args: argparse.Namespace) -> int:
    source: DirectorySource = FileSource(args.directory)
    if getattr(args, "circuit", None):
        from fogcompute_mixnode.client.circuits import KubernetesReader  # only with --circuit
        from fogcompute_mixnode.client.reloading import CircuitSource

        source = CircuitSource(
            reader=KubernetesReader(), ref=args.circuit, recipients=args.directory
        )
    directory = source.load(epoch=epoch_clock_from(args).current(wall_clock()))
    outgoing = _outgoing(args, directory)
    identity = None if args.identity is None else read_mailbox_keys(args.identity)
    if args.with_surb and identity is None:
        raise ValueError("--with-surb needs --identity (the key file of our own mailbox)")
    local = ("127.0.0.1", 0) if identity is None else _own_address(directory, identity)
    factory = _factory(args, directory)
    protocol = InboxProtocol(lambda _: None)
    send = protocol.send
    inbox = Inbox(
        keys=identity if identity is not None else MailboxKeys(bytes(32), bytes(32)),
        factory=factory,
        send=lambda data, to: send(data, to),
    )
    protocol = await _endpoint(inbox, local)
    send = protocol.send
    client = LoopixClient(
        factory=factory,
        send=protocol.send,
        rates=StreamRates(payload=args.rate, loop=args.loop_rate, drop=args.drop_rate),
        identity=identity,
        pending_surbs=inbox.pending_surbs,
    )
    for item in outgoing:
        client.enqueue(item)
    stop = _stop_event()
    reloader = _reloader(args, source, factory)
    reloading = asyncio.create_task(reloader.run(stop))
    client.start()
    waits = [asyncio.ensure_future(client.drained.wait()), asyncio.ensure_future(stop.wait())]
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    if client.failure is not None and client.pending:
        await client.stop()
        reloading.cancel()
        for waiter in waits:
            waiter.cancel()
        if protocol.transport is not None:
            protocol.transport.close()
        raise ValueError(
            f"{client.pending} message(s) not sent: {client.failure}; the directory (reloaded "
            "at each epoch boundary) has no key for this epoch: check --epoch-seconds and "
            "--epoch-genesis against the nodes', or send again once the keys are published"
        )
    for message_id in client.counts.sent_ids:
        _emit("sent", message_id=message_id.hex())
    missing = await _await_replies(args, inbox, stop, expected=len(outgoing))
    if args.linger > 0 and not stop.is_set():
        await asyncio.sleep(args.linger)
    await client.stop()
    reloading.cancel()
    for waiter in waits:
        waiter.cancel()
    for reply in inbox.replies:
        text = reply.body.decode("utf-8", errors="replace")
        _emit("reply", reply_to=reply.reply_to.hex(), text=text)
    counts = client.counts
    _emit(
        "summary",
        sent=counts.real,
        dummies=counts.dummies,
        loops_sent=counts.loops,
        loops_returned=inbox.counts.loops_returned,
        drops=counts.drops,
        replies=inbox.counts.replies,
    )
    if protocol.transport is not None:
        protocol.transport.close()
    return 1 if missing else 0


async def _await_replies(
    args: argparse.Namespace, inbox: Inbox, stop: asyncio.Event, *, expected: int
) -> int:
    if not (args.with_surb and args.await_reply > 0):
        return 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.await_reply
    while len(inbox.replies) < expected and not stop.is_set():
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        inbox.reply_arrived.clear()
        try:
            await asyncio.wait_for(inbox.reply_arrived.wait(), remaining)
        except TimeoutError:
            break
    missing = expected - len(inbox.replies)
    if missing:
        _emit("reply_timeout", awaited=expected, arrived=len(inbox.replies))
    return missing


async def run_reply(args: argparse.Namespace) -> int:
    keys = read_mailbox_keys(args.key_file)
    directory = load_directory(args.directory)
    store = MailboxStore(args.store)
    surb = store.take_surb(args.message_id)
    if surb is None:
        raise ValueError(f"--message-id {args.message_id}: no unused SURB stored for it")
    protocol = InboxProtocol(lambda _: None)
    inbox = Inbox(keys=keys, factory=_factory(args, directory), send=lambda d, a: None)
    protocol = await _endpoint(inbox, ("127.0.0.1", 0))
    inbox.send = protocol.send
    sent = inbox.answer(surb=surb, reply_to=bytes.fromhex(args.message_id), body=args.text.encode())
    await asyncio.sleep(0)  # let the transport flush
    if protocol.transport is not None:
        protocol.transport.close()
    _emit("reply_sent" if sent else "reply_failed", message_id=args.message_id)
    return 0 if sent else 1
