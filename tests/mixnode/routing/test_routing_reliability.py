"""The reliability estimator with a fake clock: window, late = lost, the stated bound, restart."""

from __future__ import annotations

import json

import pytest
from fogcompute_api.mixnodes import MixNodeStatus
from fogcompute_mixnode.routing import ReliabilityEstimator, ReliabilitySettings

SETTINGS = ReliabilitySettings(window_s=600.0, buckets=10, deadline_s=30.0)
WINDOW = {
    "bucketSeconds": 60.0,
    "buckets": [{"index": 1, "ok": 5, "lost": 1}],
    "unknownReturns": 0,
    "lower": 0.4,
    "upper": 0.97,
    "samples": 6,
}
RATE_S = 1.0  # one measurement packet a second


class FakeNode:
    """Sends one packet a second through a node that answers after ``delay_s`` or drops it."""

    def __init__(self, estimator: ReliabilityEstimator) -> None:
        self.estimator = estimator
        self.now = 0.0
        self.sequence = 0
        self.in_flight: list[tuple[float, bytes]] = []

    def run(self, *, seconds: float, delay_s: float | None) -> None:
        end = self.now + seconds
        while self.now < end:
            packet = self.sequence.to_bytes(8, "big")
            self.sequence += 1
            self.estimator.sent(packet, now=self.now)
            if delay_s is not None:
                self.in_flight.append((self.now + delay_s, packet))
            self.now += RATE_S
            for back_at, returning in [p for p in self.in_flight if p[0] <= self.now]:
                self.in_flight.remove((back_at, returning))
                self.estimator.returned(returning, now=back_at)


def test_a_healthy_node_scores_high_with_a_tight_interval() -> None:
    node = FakeNode(ReliabilityEstimator(SETTINGS))
    node.run(seconds=900, delay_s=0.2)
    estimate = node.estimator.estimate(now=node.now)
    assert estimate.score > 0.99
    assert estimate.lower > 0.99
    assert estimate.samples <= 600 + 60  # only the window (plus the current bucket) counts


@pytest.mark.parametrize("failure", ["drops", "delays"])
def test_a_failing_node_falls_within_the_stated_bound(failure: str) -> None:
    node = FakeNode(ReliabilityEstimator(SETTINGS))
    # Worst case for the bound: answers arrive just inside the deadline, so the last
    # successes before the failure are known as late as t0 + deadline.
    node.run(seconds=900, delay_s=SETTINGS.deadline_s - 1)
    t0 = node.now
    delay = None if failure == "drops" else SETTINGS.deadline_s + 5  # late counts as lost
    bound = SETTINGS.detection_bound_s
    assert bound == 30 + 600 + 60
    node.run(seconds=bound - 61, delay_s=delay)
    before = node.estimator.estimate(now=node.now)
    assert before.ok > 0  # a bucket before the bound old successes still count: it is tight
    node.run(seconds=61, delay_s=delay)
    assert t0 + bound <= node.now <= t0 + bound + RATE_S
    after = node.estimator.estimate(now=node.now)
    assert after.ok == 0
    assert after.score <= SETTINGS.prior_ok / (after.samples + 2)
    assert after.score < 0.002
    assert after.upper < 0.01


def test_a_partly_lossy_node_converges_to_its_delivery_rate() -> None:
    estimator = ReliabilityEstimator(SETTINGS)
    now = 0.0
    for i in range(3000):
        packet = i.to_bytes(8, "big")
        estimator.sent(packet, now=now)
        if i % 5:  # 80 % come back
            estimator.returned(packet, now=now + 1)
        now += 0.25
    estimate = estimator.estimate(now=now)
    assert 0.75 < estimate.score < 0.85
    assert estimate.lower < 0.8 < estimate.upper


def test_a_node_that_recovers_climbs_back() -> None:
    node = FakeNode(ReliabilityEstimator(SETTINGS))
    node.run(seconds=900, delay_s=None)
    assert node.estimator.estimate(now=node.now).score < 0.01
    node.run(seconds=SETTINGS.detection_bound_s, delay_s=0.1)
    assert node.estimator.estimate(now=node.now).score > 0.99


def test_no_measurements_give_the_prior_and_the_widest_interval() -> None:
    estimate = ReliabilityEstimator(SETTINGS).estimate(now=1000.0)
    assert (estimate.score, estimate.lower, estimate.upper, estimate.samples) == (0.5, 0, 1, 0)


def test_unknown_and_duplicate_returns_are_counted_not_scored() -> None:
    estimator = ReliabilityEstimator(SETTINGS)
    estimator.sent(b"a", now=0.0)
    estimator.returned(b"a", now=1.0)
    estimator.returned(b"a", now=2.0)
    estimator.returned(b"never-sent", now=2.0)
    estimate = estimator.estimate(now=3.0)
    assert (estimate.ok, estimate.lost, estimator.unknown_returns) == (1, 0, 2)


def test_the_state_survives_a_restart_through_json() -> None:
    node = FakeNode(ReliabilityEstimator(SETTINGS))
    node.run(seconds=400, delay_s=0.2)
    node.run(seconds=200, delay_s=None)
    saved = json.loads(json.dumps(node.estimator.to_state(now=node.now)))
    assert len(json.dumps(saved)) < 1000
    restored = ReliabilityEstimator.from_state(saved, settings=SETTINGS)
    assert restored.restored
    # The packets in flight are not carried over: only resolved outcomes are compared.
    node.estimator._pending.clear()
    assert restored.estimate(now=node.now) == node.estimator.estimate(now=node.now)


def test_the_window_fits_the_mixnode_status() -> None:
    node = FakeNode(ReliabilityEstimator(SETTINGS))
    node.run(seconds=700, delay_s=0.2)
    window = node.estimator.to_window(now=node.now)
    status = MixNodeStatus(reliability=0.99, reliability_window=window)
    document = json.loads(json.dumps(status.model_dump(by_alias=True, mode="json")))
    again = MixNodeStatus.model_validate(document).reliability_window
    assert again == window
    assert len(window.buckets) <= SETTINGS.buckets + 1
    assert window.samples == node.estimator.estimate(now=node.now).samples
    restored = ReliabilityEstimator.from_window(again, settings=SETTINGS)
    assert restored.estimate(now=node.now).score == node.estimator.estimate(now=node.now).score


@pytest.mark.parametrize(
    "state",
    [
        {},
        None,
        {**WINDOW, "bucketSeconds": 30.0},
        {**WINDOW, "buckets": [{"index": 1, "ok": -1, "lost": 0}]},
        {**WINDOW, "buckets": [{"index": 1, "ok": "x", "lost": 0}]},
        {**WINDOW, "buckets": [{"index": 1, "ok": 2}]},
        {**WINDOW, "buckets": None},
        {**WINDOW, "extra": 1},
    ],
    ids=["empty", "none", "other-width", "negative", "string", "short-row", "null", "unknown"],
)
def test_a_bad_saved_state_starts_empty_instead_of_failing(state: object) -> None:
    assert ReliabilityEstimator.from_state(WINDOW, settings=SETTINGS).restored  # the baseline
    estimator = ReliabilityEstimator.from_state(state, settings=SETTINGS)
    assert not estimator.restored
    assert estimator.estimate(now=0.0).samples == 0


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="window_s"):
        ReliabilitySettings(window_s=0)
    with pytest.raises(ValueError, match="prior_ok"):
        ReliabilitySettings(prior_ok=0)
