"""Ledger benchmark: transfers/s (all rules on) vs plain INSERTs, replays/s, verify, settlement.

Run with ``make bench-ledger`` (``.venv/bin/python bench/bench_ledger.py``). Not a test: it
prints figures, never asserts them. It starts its own PostgreSQL from Debian's packages
(``fogcompute_testbed.postgres``, durable: fsync on) in ``.run/bench-ledger`` and measures, on
one fresh database, in one run:

- ledger transfers/s: ``Ledger.apply_many`` of two-leg transfers between 1,000 stakers, a batch
  of actions per SERIALIZABLE transaction (each action still atomic and idempotent on its own:
  its own key, its own entry, refused alone if it would overdraw), with the database checking
  every rule (zero sum at commit, no negative balance, append-only, chain head);
- the baseline: the same transfers as plain single-row INSERTs into a table with no rules, the
  same number per transaction, on the same database (``ledger.baseline``); also both with one
  transfer per transaction (where the commit's fsync dominates);
- idempotent replays/s: the same transfers applied again (each returns its recorded receipt);
- ``verify`` over the whole ledger once it holds ``--entries`` entries (default 1,000,000);
- epoch settlement of 1,000 stakes: Nym rewards computed (``economics.settle_mixing``) and posted
  as 1,000 ``Reward`` actions, then the same settlement replayed;
- compute settlement of the same 1,000 stakes as EdgeDevice stakes: per stake the last meter
  reading read back (``Ledger.last_counter``, one query each, as the Stake reconcile does), the
  counter's delta capped by the estimate (``stakes.delivering``), and 1,000 ``Reward`` actions
  each with its meter reading, in one transaction; the epoch before lays the baselines.

The last line printed is one JSON object with every figure and ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from fractions import Fraction
from pathlib import Path

from fogcompute_operator.economics import MixingParams, NodeShare, compute_reward, settle_mixing
from fogcompute_operator.ledger import (
    REWARDS,
    Action,
    ActionKey,
    Bond,
    Ledger,
    Leg,
    Mint,
    Receipt,
    Reward,
    Transfer,
    staker_account,
)
from fogcompute_operator.ledger.baseline import plain_insert_rate
from fogcompute_operator.stakes.delivering import deliver
from fogcompute_testbed.postgres import Postgres
from fogcompute_testbed.toolchain import repo_root

STAKERS = 1_000
SEED = 7


def machine(server: Postgres) -> dict[str, object]:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    version = server.psql("SHOW server_version").strip()
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "postgresql": version,
        "fsync": server.psql("SHOW fsync").strip(),
        "synchronous_commit": server.psql("SHOW synchronous_commit").strip(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


def transfers(count: int, *, tag: str, rng: random.Random) -> list[Transfer]:
    made = []
    for i in range(count):
        source, target = rng.sample(range(STAKERS), 2)
        made.append(
            Transfer(
                key=ActionKey(resource_uid=f"{tag}-{i}", action="transfer", epoch=0),
                legs=(
                    Leg(account=staker_account(f"s{source}"), amount=-1),
                    Leg(account=staker_account(f"s{target}"), amount=1),
                ),
            )
        )
    return made


def apply_all(ledger: Ledger, actions: list[Action], batch: int) -> tuple[float, int]:
    """Apply in batches; return (seconds, receipts that were replays)."""
    replays = 0
    started = time.perf_counter()
    for first in range(0, len(actions), batch):
        for outcome in ledger.apply_many(actions[first : first + batch]):
            if not isinstance(outcome, Receipt):
                raise SystemExit(f"benchmark action refused: {outcome}")
            replays += outcome.replayed
    return time.perf_counter() - started, replays


def rows(actions: list[Transfer]) -> list[tuple[str, str, int]]:
    return [(t.legs[0].account, t.legs[1].account, t.legs[1].amount) for t in actions]


def settle(ledger: Ledger, epoch: int, rng: random.Random) -> tuple[float, int, int]:
    """One epoch's mixing rewards for every stake; return (seconds, paid, replays)."""
    started = time.perf_counter()
    nodes = {
        f"stake-{i}": NodeShare(
            performance=Fraction(rng.randint(80, 100), 100),
            stake=10_000 + 100 * (i % 50),
            pledge=5_000,
        )
        for i in range(STAKERS)
    }
    params = MixingParams(
        epoch_budget=1_000_000, staking_supply=STAKERS * 20_000, rewarded_set_size=STAKERS
    )
    rewards = settle_mixing(nodes, params)
    outcomes = ledger.apply_many(
        [Reward(uid=uid, epoch=epoch, amount=amount) for uid, amount in rewards.items()]
    )
    seconds = time.perf_counter() - started
    receipts = [o for o in outcomes if isinstance(o, Receipt)]
    if len(receipts) != len(outcomes):
        raise SystemExit("settlement refused a reward")
    return seconds, sum(rewards.values()), sum(o.replayed for o in receipts)


def settle_compute(ledger: Ledger, epoch: int, rng: random.Random) -> tuple[float, float]:
    """One epoch's compute rewards from measured counters; return (seconds, of them reads)."""
    started = time.perf_counter()
    last = {f"stake-{i}": ledger.last_counter(f"stake-{i}") for i in range(STAKERS)}
    reads = time.perf_counter() - started
    actions: list[Action] = []
    for i in range(STAKERS):
        uid = f"stake-{i}"
        counter = Fraction(epoch * 3_000 + rng.randint(0, 2_000), 1)
        estimate = Fraction(rng.randint(1_000, 4_000))
        delivery = deliver(
            device=f"edge-{i}",
            epochs=[epoch],
            estimates={epoch: estimate},
            counter=counter,
            last_micros=last[uid],
        )
        amount = compute_reward(cpu_seconds=delivery.cpu[epoch], rate_per_cpu_second=10)
        actions.append(
            Reward(uid=uid, epoch=epoch, amount=amount, reading=delivery.readings[epoch])
        )
    outcomes = ledger.apply_many(actions)
    seconds = time.perf_counter() - started
    if not all(isinstance(o, Receipt) for o in outcomes):
        raise SystemExit("compute settlement refused a reward")
    return seconds, reads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transfers", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--single", type=int, default=300, help="transfers at 1 per transaction")
    parser.add_argument("--entries", type=int, default=1_000_000, help="ledger size for verify")
    parser.add_argument("--state-dir", type=Path, default=repo_root() / ".run" / "bench-ledger")
    args = parser.parse_args()
    rng = random.Random(SEED)
    server = Postgres.start(state_dir=args.state_dir / "postgres", durable=True)
    try:
        return run(server, args, rng)
    finally:
        server.stop()


def run(server: Postgres, args: argparse.Namespace, rng: random.Random) -> int:
    server.drop_database("bench_ledger")
    dsn = server.create_database("bench_ledger")
    figures: dict[str, object] = {"machine": machine(server), "batch": args.batch}
    print(f"machine: {json.dumps(figures['machine'])}")
    ledger = Ledger.open(dsn=dsn, max_connections=2)
    try:
        genesis: list[Action] = [
            Mint(uid=f"genesis/s{i}", epoch=0, to=staker_account(f"s{i}"), amount=10**12)
            for i in range(STAKERS)
        ]
        apply_all(ledger, genesis, 1_000)

        work = transfers(args.transfers, tag="t", rng=rng)
        seconds, _ = apply_all(ledger, list(work), args.batch)
        ledger_rate = len(work) / seconds
        plain_rate = plain_insert_rate(dsn=dsn, transfers=rows(work), batch=args.batch)
        print(
            f"transfers, {args.batch} per transaction: ledger {ledger_rate:,.0f}/s, "
            f"plain INSERT {plain_rate:,.0f}/s, ratio {ledger_rate / plain_rate:.2f}"
        )
        single = transfers(args.single, tag="single", rng=rng)
        seconds, _ = apply_all(ledger, list(single), 1)
        single_rate = len(single) / seconds
        plain_single = plain_insert_rate(dsn=dsn, transfers=rows(single), batch=1)
        print(
            f"transfers, 1 per transaction: ledger {single_rate:,.0f}/s, "
            f"plain INSERT {plain_single:,.0f}/s, ratio {single_rate / plain_single:.2f}"
        )
        seconds, replays = apply_all(ledger, list(work), args.batch)
        replay_rate = len(work) / seconds
        assert replays == len(work)
        print(
            f"idempotent replays, {args.batch} per call: {replay_rate:,.0f}/s "
            f"({replay_rate / ledger_rate:.1f}x first application)"
        )

        stakes: list[Action] = [
            Bond(uid=f"stake-{i}", epoch=0, staker=staker_account(f"s{i}"), amount=10_000)
            for i in range(STAKERS)
        ]
        apply_all(ledger, stakes, 1_000)
        ledger.apply(Mint(uid="rewards-budget", epoch=1, to=REWARDS, amount=10**9))
        settle_s, paid, _ = settle(ledger, 1, random.Random(SEED))
        resettle_s, _, replayed = settle(ledger, 1, random.Random(SEED))
        assert replayed == STAKERS
        print(
            f"epoch settlement, {STAKERS} stakes: {settle_s:.2f} s (paid {paid:,}); "
            f"replayed: {resettle_s:.2f} s, nothing paid twice"
        )
        settle_compute(ledger, 2, random.Random(SEED))  # the baselines (no earlier reading)
        compute_s, reads_s = settle_compute(ledger, 3, random.Random(SEED + 1))
        print(
            f"compute settlement with meter readings, {STAKERS} stakes: {compute_s:.2f} s "
            f"({compute_s / settle_s:.2f}x the mixing settlement; of it {reads_s:.2f} s for "
            f"{STAKERS} last-reading reads, one query each as the Stake reconciles do)"
        )

        existing = ledger.head()[0]
        fill = max(0, args.entries - existing)
        bulk = transfers(fill, tag="fill", rng=rng)
        fill_s, _ = apply_all(ledger, list(bulk), 2_000)
        print(
            f"filled to {args.entries:,} entries with {fill:,} transfers, 2,000 per "
            f"transaction: {fill_s:.1f} s ({fill / fill_s if fill else 0:,.0f}/s)"
        )
        report = ledger.verify()
        assert report.ok, report.breaks
        print(
            f"verify over {report.entries:,} entries ({report.postings:,} postings): "
            f"{report.seconds:.1f} s ({report.entries / report.seconds:,.0f} entries/s), sound"
        )
        figures.update(
            {
                "ledger_transfers_per_s": round(ledger_rate),
                "plain_insert_per_s": round(plain_rate),
                "ledger_vs_plain": round(ledger_rate / plain_rate, 3),
                "ledger_transfers_per_s_single": round(single_rate, 1),
                "plain_insert_per_s_single": round(plain_single, 1),
                "ledger_vs_plain_single": round(single_rate / plain_single, 3),
                "replays_per_s": round(replay_rate),
                "replay_vs_apply": round(replay_rate / ledger_rate, 2),
                "settlement_1000_stakes_s": round(settle_s, 3),
                "settlement_replay_s": round(resettle_s, 3),
                "compute_settlement_1000_stakes_s": round(compute_s, 3),
                "compute_settlement_reads_s": round(reads_s, 3),
                "fill_transfers_per_s": round(fill / fill_s) if fill else None,
                "verify_entries": report.entries,
                "verify_s": round(report.seconds, 2),
                "verify_entries_per_s": round(report.entries / report.seconds),
                "target_transfers_per_s": 5_000,
            }
        )
    finally:
        ledger.close()
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
