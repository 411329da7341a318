"""What the Stake and Proposal kinds share: the ledger gateway, the governed parameters in force,
epochs, and their settings.

Between the economics kind packages (``stakes``, ``proposals``) and the ledger / economics
decisions; knows no kopf. ``gateway`` is the one component that talks to the ledger (in
threads, with its state and the invariant check), ``governing`` derives the parameters in force
from Executed Proposals (pure), ``weighting`` checks the SLA tiers' governed weights and builds
the tiers in force (pure), ``steering`` hands them to the scheduler at each round (with an Event),
``settings`` reads the environment once.
"""

from fogcompute_operator.treasury.gateway import LEDGER_UP, LedgerGateway, LedgerPort, LedgerState
from fogcompute_operator.treasury.governing import (
    APPLIED,
    Governed,
    apply_changes,
    epoch_of,
    epoch_start,
    epochs_in,
    in_force,
    seconds_to_next,
)
from fogcompute_operator.treasury.settings import EconomicsSettings, parse_genesis
from fogcompute_operator.treasury.steering import APPLIED_REASON, GovernedTiers
from fogcompute_operator.treasury.weighting import (
    MAX_WEIGHT,
    check_tier_weights,
    describe_weights,
    tiers_in_force,
    weight_change,
)

__all__ = [
    "APPLIED",
    "APPLIED_REASON",
    "LEDGER_UP",
    "MAX_WEIGHT",
    "EconomicsSettings",
    "Governed",
    "GovernedTiers",
    "LedgerGateway",
    "LedgerPort",
    "LedgerState",
    "apply_changes",
    "check_tier_weights",
    "describe_weights",
    "epoch_of",
    "epoch_start",
    "epochs_in",
    "in_force",
    "parse_genesis",
    "seconds_to_next",
    "tiers_in_force",
    "weight_change",
]
