"""Faults: the operator SIGKILLed between a ledger commit and the status patch, and PostgreSQL
restarted mid-epoch. After recovery the ledger holds exactly what a run without faults holds:
one bond, one reward per epoch at the amount the formula gives (no epoch paid twice, none
skipped), one slash. Its own module: a fresh database and operator, one stake, so every amount
is known in advance."""

from __future__ import annotations

import time
from typing import Any

from economics_support import (
    condition,
    mixnode,
    set_reliability,
    stake,
    status_of,
    unique,
    wait_stake,
)
from fogcompute_operator.ledger import Ledger, staker_account
from fogcompute_testbed.postgres import Postgres
from operator_cluster import Cluster, FogOperator

AMOUNT = 2_000_000
BUDGET = 10_000_000  # the default mixing pool per epoch
PAID_AT_09 = int(0.9 * BUDGET * 10 / 13)  # Nym: performance x budget x sigma / (1 + alpha)
PAID_AT_01 = int(0.1 * BUDGET * 10 / 13)


def rewards_by_epoch(postgres: Postgres, dbname: str, stake_uid: str) -> list[tuple[int, int]]:
    out = postgres.psql(
        "SELECT e.epoch || ' ' || coalesce(sum(p.amount) FILTER (WHERE p.amount > 0), 0)"
        " FROM ledger_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id"
        f" WHERE e.resource_uid = '{stake_uid}' AND e.action = 'reward'"
        " GROUP BY e.epoch ORDER BY e.epoch",
        dbname=dbname,
    )
    pairs = [line.split() for line in out.splitlines() if line.strip()]
    return [(int(a), int(b)) for a, b in pairs if a.isdigit()]


def wait_until(cluster: Cluster, what: str, check: Any, timeout: float = 60) -> Any:
    return cluster.wait_for(what, lambda: (check() or None, None), timeout)


def test_kill_between_commit_and_status_and_database_restart(
    cluster: Cluster,
    fog_operator: FogOperator,
    ledger: Ledger,
    postgres: Postgres,
    economics_dbname: str,
) -> None:
    # 1. an operator that pauses between its ledger commits and its status writes
    fog_operator.stop()
    fog_operator.env["FOG_ECONOMICS_PAUSE_AFTER_LEDGER_SECONDS"] = "15"
    fog_operator.start()
    node = mixnode(cluster, reliability=0.9)
    name = unique("carol")
    cluster.apply(stake(name, account="carol", amount=AMOUNT, kind="MixNode", target=node))
    stake_uid = wait_until(
        cluster,
        "the Stake's uid",
        lambda: (cluster.get("stake", name) or {}).get("metadata", {}).get("uid"),
    )
    wait_until(
        cluster, "the bond committed in the ledger", lambda: "bond" in ledger.history(stake_uid)
    )
    assert status_of(cluster, name).get("phase") != "Bonded"  # the status patch has not happened
    fog_operator.kill()  # 2. SIGKILL between the ledger commit and the status patch
    del fog_operator.env["FOG_ECONOMICS_PAUSE_AFTER_LEDGER_SECONDS"]
    fog_operator.start()
    status = wait_stake(
        cluster, name, "Bonded after the restart", lambda s: s.get("phase") == "Bonded"
    )
    assert status["bonded"] == str(AMOUNT)
    # 3. a few paid epochs, then PostgreSQL restarted mid-epoch
    wait_until(
        cluster,
        "two paid epochs",
        lambda: len(rewards_by_epoch(postgres, economics_dbname, stake_uid)) >= 3,
    )
    time.sleep(0.7)
    postgres.restart()
    wait_stake(
        cluster,
        name,
        "LedgerReady again after the restart",
        lambda s: (
            condition(s, "LedgerReady").get("status") == "True"
            and int(s.get("lastRewardEpoch") or 0) >= _epoch_now() - 1
        ),
    )
    paid_before_drop = len(rewards_by_epoch(postgres, economics_dbname, stake_uid))
    wait_until(
        cluster,
        "two more paid epochs",
        lambda: (
            len(rewards_by_epoch(postgres, economics_dbname, stake_uid)) >= paid_before_drop + 2
        ),
    )
    # 4. the node goes down: one slash, jailed, no more rewards
    set_reliability(cluster, node, 0.1)
    status = wait_stake(cluster, name, "Jailed", lambda s: s.get("phase") == "Jailed")
    time.sleep(3 * 2)  # three more epochs while jailed
    # 5. the ledger is what a run without faults holds
    history = ledger.history(stake_uid)
    assert history["bond"].entries == 1
    assert history["bond"].moved == AMOUNT
    assert history["slash"].entries == 1
    assert history["slash"].moved == AMOUNT // 10
    rewards = rewards_by_epoch(postgres, economics_dbname, stake_uid)
    epochs = [e for e, _ in rewards]
    assert epochs == list(range(epochs[0], epochs[0] + len(epochs))), "an epoch skipped or doubled"
    amounts = [a for _, a in rewards]
    assert amounts[0] == 0  # the bond epoch is not paid
    paid = amounts[1:]
    assert paid[: paid_before_drop - 1] == [PAID_AT_09] * (paid_before_drop - 1)
    assert set(paid) <= {PAID_AT_09, PAID_AT_01, 0}
    assert paid == sorted(paid, reverse=True)
    assert paid[-1] == 0  # jailed epochs earn nothing
    assert sum(amounts) == history["reward"].moved
    genesis = 50_000_000
    assert ledger.balance(staker_account("carol")) == genesis - AMOUNT + sum(amounts)
    assert ledger.check_invariants() == ()
    verification = ledger.verify()
    assert verification.ok, verification


def _epoch_now() -> int:
    return int(time.time() // 2)
