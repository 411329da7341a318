"""Delays and inter-send times follow the exponential with the configured mean."""

from __future__ import annotations

import random
import secrets

import pytest
from fogcompute_mixnode.directory import NodeEntry, to_path
from fogcompute_mixnode.sampling import ExponentialSampler, interval_sampler
from fogcompute_mixnode.sphinx import NodeId
from scipy import stats

N = 4000


def test_hop_delays_are_exponential_with_the_configured_mean() -> None:
    sampler = ExponentialSampler(mean=1_000.0, source=random.Random(20240601))
    draws = [sampler.sample() for _ in range(N)]
    result = stats.kstest(draws, "expon", args=(0, 1_000.0))
    assert result.pvalue > 0.01, f"KS p={result.pvalue:.4f}, D={result.statistic:.4f}"
    # The same draws are clearly not exponential with twice the mean: the test has power.
    assert stats.kstest(draws, "expon", args=(0, 2_000.0)).pvalue < 1e-6


def test_inter_send_times_match_the_stream_rate() -> None:
    sampler = interval_sampler(rate_per_s=250.0, source=random.Random(7))
    draws = [sampler.sample() for _ in range(N)]
    result = stats.kstest(draws, "expon", args=(0, 1 / 250.0))
    assert result.pvalue > 0.01, f"KS p={result.pvalue:.4f}"
    assert sum(draws) / N == pytest.approx(1 / 250.0, rel=0.1)


def test_path_delays_are_sampled_per_hop_and_capped() -> None:
    entry = NodeEntry(
        node_id=NodeId(b"\x01" * 32), host="h", port=1, layer=0, public_keys={3: b"k" * 32}
    )
    sampler = ExponentialSampler(mean=500.0, source=random.Random(11))
    delays = [
        hop.delay_us
        for _ in range(N // 4)
        for hop in to_path([entry] * 4, epoch=3, delays=sampler, max_delay_us=1_500)
    ]
    assert max(delays) == 1_500  # the cap was hit (P(X > 3 means) ~ 5 %) and respected
    below_cap = [d for d in delays if d < 1_500]
    # Below the cap, the sampled delays are still exponential (truncated at the cap).
    truncated = stats.truncexpon(b=1_500 / 500.0, scale=500.0)
    assert stats.kstest(below_cap, truncated.cdf).pvalue > 0.001


def test_default_source_is_the_operating_systems() -> None:
    sampler = ExponentialSampler(mean=1.0)
    assert isinstance(sampler._source, secrets.SystemRandom)


@pytest.mark.parametrize("mean", [-1.0, float("inf"), float("nan")])
def test_bad_means_are_refused(mean: float) -> None:
    with pytest.raises(ValueError, match="mean"):
        ExponentialSampler(mean=mean)
