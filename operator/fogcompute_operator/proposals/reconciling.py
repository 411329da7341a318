"""The Proposal reconcile: get, read the ledger, decide, write the ledger, then status once.

Called with a Proposal's name when it changed, when a Stake voting on it changed, when the
ledger turned ready, and at the end of its voting period:

1. get: the Proposal, the Stakes' votes on it and the other Proposals (informers);
2. read the ledger: the proposal's history and the bonded stake positions;
3. decide: ``deciding.plan`` (pure): the deposit, or the verdict's refund or burn, or when
   deleted the withdrawal's refund;
4. act: the finalizer first when the deposit is about to go into escrow (``withdrawing``),
   then the actions (the ledger first: each is keyed, so a crash after it repeats nothing);
5. read the ledger again, ``deciding.settle`` (pure), write status once; last, the finalizer
   removed once nothing is in escrow (a deleted Proposal then goes).

A deleted Proposal without the finalizer never had a deposit here: it is left to go.

No database, or one that cannot be reached: the LedgerReady condition and a retry with
backoff, never half an action.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fogcompute_api.proposals import Proposal

from fogcompute_operator.controlling import Result, Runtime, finalizers_of
from fogcompute_operator.economics import VoteOption
from fogcompute_operator.kube import PROPOSALS, STAKES, Body, ObjectKey, Resource
from fogcompute_operator.ledger import Action, ActionHistory, LedgerError, Refusal
from fogcompute_operator.observing import object_extra
from fogcompute_operator.proposals.deciding import Facts, plan, settle
from fogcompute_operator.proposals.withdrawing import DEPOSIT_FINALIZER, deleting, holds
from fogcompute_operator.treasury import EconomicsSettings, LedgerGateway, in_force

logger = logging.getLogger("fogcompute_operator.proposals")
CONTROLLER = "proposals"


class ProposalReconciler:
    def __init__(
        self, *, runtime: Runtime, gateway: LedgerGateway, settings: EconomicsSettings
    ) -> None:
        self._runtime = runtime
        self._gateway = gateway
        self._settings = settings
        self._proposals = runtime.informers[PROPOSALS]
        self._stakes = runtime.informers[STAKES]
        self._backoff = settings.ledger_backoff()

    @property
    def name(self) -> str:
        return CONTROLLER

    @property
    def resource(self) -> Resource:
        return PROPOSALS

    async def reconcile(self, key: ObjectKey) -> Result:
        body = self._proposals.get(key)  # 1. get
        if body is None:
            return Result()
        proposal = await self._runtime.validated(
            PROPOSALS, body, Proposal, condition_type="Deposited", extra={"phase": "Failed"}
        )
        if proposal is None:
            return Result()
        if deleting(proposal) and DEPOSIT_FINALIZER not in finalizers_of(body):
            return Result()  # never had a deposit here (or already refunded): nothing holds it
        others = [b for b in self._proposals.items() if b is not body]
        facts = Facts(
            now=self._runtime.clock(),
            params=in_force(self._settings.governed, others),
            votes=self._votes(key),
        )
        if self._gateway.state == "NoDatabase":
            return (await self._write(body, proposal, facts, refusals=()))[0]
        try:
            facts = await self._read(proposal, facts)  # 2. read
            actions = plan(proposal, facts)  # 3. decide
            body = await self._hold(body, facts.history, actions, deleting=deleting(proposal))
            outcomes = await self._gateway.apply(actions) if actions else []  # 4. act
            facts = await self._read(proposal, facts)  # 5. settle
        except LedgerError as exc:
            delay = self._backoff.failed(key)
            logger.warning(f"ledger call failed ({exc}); retrying in {delay:g}s", extra=_extra(key))
            await self._write(body, proposal, facts, refusals=())
            return Result(requeue_after=delay)
        self._backoff.forget(key)
        refusals = tuple(o for o in outcomes if isinstance(o, Refusal))
        result, written = await self._write(body, proposal, facts, refusals=refusals)
        await self._release(written or body, facts.history, deleting=deleting(proposal))
        return result

    async def _hold(
        self,
        body: Body,
        history: Mapping[str, ActionHistory],
        actions: tuple[Action, ...],
        *,
        deleting: bool,
    ) -> Body:
        """The finalizer, before the deposit goes into escrow (see ``withdrawing``)."""
        return await self._runtime.finalizers.hold(
            PROPOSALS, body, DEPOSIT_FINALIZER, holds=holds(history, actions), deleting=deleting
        )

    async def _release(
        self, body: Body, history: Mapping[str, ActionHistory], *, deleting: bool
    ) -> None:
        """The finalizer, last, once nothing is in escrow (a deleted Proposal then goes)."""
        await self._runtime.finalizers.release(
            PROPOSALS, body, DEPOSIT_FINALIZER, holds=holds(history, ()), deleting=deleting
        )

    def _votes(self, key: ObjectKey) -> dict[str, VoteOption]:
        votes: dict[str, VoteOption] = {}
        for stake in self._stakes.items():
            uid = str((stake.get("metadata") or {}).get("uid") or "")
            for vote in (stake.get("spec") or {}).get("votes") or ():
                if vote.get("proposal") == key:
                    try:
                        votes[uid] = VoteOption(vote.get("option"))
                    except ValueError:
                        continue
        return votes

    async def _read(self, proposal: Proposal, facts: Facts) -> Facts:
        uid = proposal.metadata.uid or ""
        history, positions = await self._gateway.call(
            lambda ledger: (ledger.history(uid), ledger.positions())
        )
        return Facts(
            now=facts.now,
            params=facts.params,
            votes=facts.votes,
            history=history,
            bonded={str(u): p.bonded for u, p in positions.items()},
        )

    async def _write(
        self, body: Body, proposal: Proposal, facts: Facts, *, refusals: tuple[Refusal, ...]
    ) -> tuple[Result, Body | None]:
        settled = settle(
            proposal,
            body,
            facts,
            state=self._gateway.state,
            message=self._gateway.message,
            refusals=refusals,
        )
        written = None
        if settled.changed:
            written = await self._runtime.statuses.write(PROPOSALS, body, settled.status)
        for note in settled.events:
            self._runtime.post_event(PROPOSALS, written or body, note)
        return Result(requeue_after=settled.requeue_after), written


def _extra(key: ObjectKey) -> dict[str, Any]:
    return object_extra(name=key, kind="Proposal")
