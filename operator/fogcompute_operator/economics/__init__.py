"""Pure economic decisions for the Stake and Proposal controllers: no I/O, no clock of their own.

Flow: a controller reads the cluster and the ledger, asks these modules what should happen
(``tallying`` a proposal's votes, ``rewarding`` an epoch, ``slashing`` downtime, ``unbonding``
maturity), then turns the answer into ledger actions (``fogcompute_operator.ledger``). The
governed parameters and their checks live in ``fogcompute_operator.treasury`` (``governing``,
``weighting``). Nothing here imports the ledger, kopf or the Kubernetes client.
"""

from fogcompute_operator.economics.rewarding import (
    MixingParams,
    NodeShare,
    compute_reward,
    mixing_reward,
    settle_mixing,
)
from fogcompute_operator.economics.slashing import (
    SlashDecision,
    SlashingParams,
    decide,
    edge_device_down,
    mixnode_down,
)
from fogcompute_operator.economics.tallying import (
    Tally,
    TallyParams,
    TallyResult,
    Verdict,
    VoteOption,
    count_votes,
    tally,
)
from fogcompute_operator.economics.unbonding import (
    UnbondRequest,
    check_unbond,
    matured,
    release_epoch,
)

__all__ = [
    "MixingParams",
    "NodeShare",
    "SlashDecision",
    "SlashingParams",
    "Tally",
    "TallyParams",
    "TallyResult",
    "UnbondRequest",
    "Verdict",
    "VoteOption",
    "check_unbond",
    "compute_reward",
    "count_votes",
    "decide",
    "edge_device_down",
    "matured",
    "mixing_reward",
    "mixnode_down",
    "release_epoch",
    "settle_mixing",
    "tally",
]
