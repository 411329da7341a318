"""Steering the scheduler by governance: the SLA tiers in force, read by every scheduling round.

Built by the FogJob handlers' startup and handed to the scheduler as its tier source (a plain
callable), so the scheduler knows nothing of Proposals, the treasury or the ledger. Each call
derives the governed parameters from the Proposal informer exactly as the economics controllers
do (``in_force``: every Executed Proposal's changes in execution order), so no state is stored
anywhere of its own and a restarted operator steers the same way. When the weights differ from
what the previous round used, the source posts an Event ``TierWeightsApplied`` on the Executed
Proposal that changed them last and logs one line: the change reaches the scheduler at the next
round, and that is when it is announced. No kopf; it reads an informer and posts an Event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from fractions import Fraction

from fogcompute_operator.controlling import EventNote, Informer, InformerSpec, Runtime
from fogcompute_operator.kube import PROPOSALS, Body
from fogcompute_operator.scheduling.models import Tier
from fogcompute_operator.scheduling.tiers import DEFAULT_TIERS
from fogcompute_operator.treasury.governing import Governed, in_force
from fogcompute_operator.treasury.weighting import (
    TIER_WEIGHTS_PREFIX,
    describe_weights,
    tiers_in_force,
)

__all__ = ["APPLIED_REASON", "GovernedTiers"]

logger = logging.getLogger("fogcompute_operator.treasury")
APPLIED_REASON = "TierWeightsApplied"


class GovernedTiers:
    """The scheduler's tier source: ``base`` with the tier weights governance changed."""

    def __init__(
        self,
        *,
        proposals: Informer,
        announce: Callable[[Body, EventNote], None],
        base: Mapping[str, Tier] = DEFAULT_TIERS,
    ) -> None:
        self._proposals = proposals
        self._announce = announce
        self._base = base
        self._used: Mapping[str, Fraction] = {}

    @classmethod
    def on(cls, runtime: Runtime, *, base: Mapping[str, Tier] = DEFAULT_TIERS) -> GovernedTiers:
        """The source reading ``runtime``'s Proposal informer and posting its Events."""
        return cls(
            proposals=runtime.informer(InformerSpec(PROPOSALS)),
            announce=lambda body, note: runtime.post_event(PROPOSALS, body, note),
            base=base,
        )

    def __call__(self) -> Mapping[str, Tier]:
        overrides = in_force(Governed(), self._proposals.items()).tier_weights
        tiers = tiers_in_force(overrides, base=self._base)
        if overrides != self._used:
            self._used = dict(overrides)
            self._tell(tiers, changed=frozenset(k.partition(".")[0] for k in overrides))
        return tiers

    def _tell(self, tiers: Mapping[str, Tier], *, changed: frozenset[str]) -> None:
        shown = {name: tier for name, tier in tiers.items() if name in changed}
        message = f"scheduling rounds now use tier weights {describe_weights(shown)}"
        logger.info(message if shown else "scheduling rounds now use the default tier weights")
        source = self._last_changer()
        if source is not None and shown:
            self._announce(source, EventNote(type="Normal", reason=APPLIED_REASON, message=message))

    def _last_changer(self) -> Body | None:
        """The Executed Proposal with tier-weight changes executed last (then by name)."""
        found: tuple[str, str] | None = None
        chosen: Body | None = None
        for body in self._proposals.items():
            status = body.get("status") or {}
            changes = (body.get("spec") or {}).get("changes") or ()
            if status.get("phase") != "Executed" or not any(
                str(c.get("parameter", "")).startswith(TIER_WEIGHTS_PREFIX) for c in changes
            ):
                continue
            order = (str(status.get("executedTime") or ""), str(body["metadata"].get("name")))
            if found is None or order > found:
                found, chosen = order, body
        return chosen
