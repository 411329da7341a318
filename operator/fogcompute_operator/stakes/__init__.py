"""The Stake kind: bonding, rewards, slashing and unbonding in the ledger, mirrored in status.

Above the runtime, the ledger and the treasury (gateway, governed parameters), independent of
every other kind package. Modules: deciding (pure: the ledger actions of one look, and the
status from the ledger), deleting (pure: the unbond finalizer and what a deleted Stake waits
for), earning (pure: rewards and downtime), reconciling (get, read, decide,
write the ledger, write status once), starting (the controller on the runtime).
"""

from fogcompute_operator.stakes.deciding import (
    BONDED,
    CATCH_UP,
    LEDGER_CONSISTENT,
    LEDGER_READY,
    Facts,
    plan,
    settle,
)
from fogcompute_operator.stakes.deleting import UNBOND_FINALIZER, UNBONDING, holds
from fogcompute_operator.stakes.earning import (
    Health,
    compute_share,
    cpu_seconds,
    health_of,
    mixing_share,
)
from fogcompute_operator.stakes.reconciling import CONTROLLER, StakeReconciler
from fogcompute_operator.stakes.starting import Stakes, build_stakes, start_stakes

__all__ = [
    "BONDED",
    "CATCH_UP",
    "CONTROLLER",
    "LEDGER_CONSISTENT",
    "LEDGER_READY",
    "UNBONDING",
    "UNBOND_FINALIZER",
    "Facts",
    "Health",
    "StakeReconciler",
    "Stakes",
    "build_stakes",
    "compute_share",
    "cpu_seconds",
    "health_of",
    "holds",
    "mixing_share",
    "plan",
    "settle",
    "start_stakes",
]
