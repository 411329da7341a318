"""The weighted draw: frequencies follow stake x reliability (chi-square), filters, determinism."""

from __future__ import annotations

import hashlib

import pytest
from fogcompute_mixnode.routing import DrawRequest, NoEligibleNodeError, circuit_alpha, draw_path
from fogcompute_mixnode.routing.drawing import candidates, draw_index
from routing_testing import EPOCH, make_directory, make_node, with_node
from scipy.stats import chisquare

DRAWS = 20_000


def _betas(count: int, *, label: bytes = b"beta") -> list[bytes]:
    # Deterministic stand-ins for VRF outputs (SHA-512 of a counter), so the test cannot flake.
    return [hashlib.sha512(label + i.to_bytes(4, "big")).digest() for i in range(count)]


def test_index_frequencies_follow_the_weights() -> None:
    weights = [1, 2, 3, 10, 84]
    counts = [0] * len(weights)
    for beta in _betas(DRAWS):
        counts[draw_index(beta=beta, layer=0, weights=weights)] += 1
    expected = [DRAWS * w / sum(weights) for w in weights]
    assert chisquare(counts, expected).pvalue > 0.001


def test_the_chi_square_check_has_power_against_a_uniform_draw() -> None:
    # The same check must reject a draw that ignores the weights, or it proves nothing.
    weights = [1, 2, 3, 10, 84]
    counts = [0] * len(weights)
    for beta in _betas(DRAWS):
        counts[int.from_bytes(beta, "big") % len(weights)] += 1
    expected = [DRAWS * w / sum(weights) for w in weights]
    assert chisquare(counts, expected).pvalue < 1e-9


def test_path_frequencies_per_layer_follow_stake_times_reliability() -> None:
    directory = make_directory(layers=3, per_layer=4)
    node = make_node("mix-1-3", layer=1, stake=4000, reliability_ppm=500_000)
    directory = with_node(directory, node)  # half as reliable: half the weight for its stake
    request = DrawRequest(hops=3)
    counts: dict[str, int] = {}
    for beta in _betas(DRAWS):
        for hop in draw_path(beta=beta, directory=directory, request=request):
            counts[hop.name] = counts.get(hop.name, 0) + 1
    for layer in range(3):
        pool = candidates(directory, layer=layer, request=request)
        total = sum(n.weight for n in pool)
        observed = [counts.get(n.name, 0) for n in pool]
        expected = [DRAWS * n.weight / total for n in pool]
        assert chisquare(observed, expected).pvalue > 0.001, (layer, observed, expected)


def test_the_draw_is_deterministic_and_uses_each_layer_once() -> None:
    directory = make_directory()
    beta = _betas(1)[0]
    first = draw_path(beta=beta, directory=directory, request=DrawRequest(hops=5))
    again = draw_path(beta=beta, directory=directory, request=DrawRequest(hops=5))
    assert first == again
    assert [n.layer for n in first] == [0, 1, 2, 3, 4]


def test_node_order_in_the_input_does_not_change_the_draw() -> None:
    directory = make_directory()
    shuffled = type(directory)(
        epoch=directory.epoch,
        vrf_public_key=directory.vrf_public_key,
        nodes=tuple(reversed(directory.nodes)),
    )
    for beta in _betas(50):
        request = DrawRequest(hops=4)
        assert draw_path(beta=beta, directory=directory, request=request) == draw_path(
            beta=beta, directory=shuffled, request=request
        )


@pytest.mark.parametrize(
    ("request_", "excluded"),
    [
        pytest.param(DrawRequest(hops=3, min_reliability_ppm=995_000), "mix-0-0", id="unreliable"),
        pytest.param(
            DrawRequest(hops=3, exclude_nodes=frozenset({"mix-0-0"})), "mix-0-0", id="excluded"
        ),
    ],
)
def test_filtered_nodes_are_never_drawn(request_: DrawRequest, excluded: str) -> None:
    base = make_directory()
    directory = type(base)(
        epoch=base.epoch,
        vrf_public_key=base.vrf_public_key,
        nodes=tuple(
            make_node(n.name, layer=n.layer, stake=n.stake, reliability_ppm=999_000)
            for n in base.nodes
        ),
    )
    # The filtered node would win almost every draw on weight alone.
    directory = with_node(
        directory, make_node(excluded, layer=0, stake=10**9, reliability_ppm=990_000)
    )
    for beta in _betas(300):
        assert draw_path(beta=beta, directory=directory, request=request_)[0].name != excluded


def test_zero_stake_and_missing_epoch_key_are_not_eligible() -> None:
    directory = make_directory(layers=3, per_layer=1)
    broke = make_node("mix-0-0", layer=0, stake=0)
    with pytest.raises(NoEligibleNodeError, match="layer 0"):
        draw_path(
            beta=_betas(1)[0], directory=with_node(directory, broke), request=DrawRequest(hops=3)
        )
    stale = make_node("mix-1-0", layer=1)
    stale = type(stale)(**{**stale.__dict__, "public_keys": {EPOCH + 5: b"\x01" * 32}})
    with pytest.raises(NoEligibleNodeError, match="layer 1"):
        draw_path(
            beta=_betas(1)[0], directory=with_node(directory, stale), request=DrawRequest(hops=3)
        )


def test_the_exit_node_is_pinned_on_the_last_layer() -> None:
    directory = make_directory()
    request = DrawRequest(hops=4, exit_node="mix-3-0")
    for beta in _betas(100):
        assert draw_path(beta=beta, directory=directory, request=request)[-1].name == "mix-3-0"
    with pytest.raises(NoEligibleNodeError, match="exitNode"):
        draw_path(
            beta=_betas(1)[0], directory=directory, request=DrawRequest(hops=4, exit_node="mix-1-0")
        )


def test_rejection_sampling_never_leaves_a_residue_class_out() -> None:
    # With a total weight of 3, r = v mod 3 after rejecting v >= 2**512 - (2**512 mod 3);
    # every residue must come up (a bug in the limit would drop or favour one).
    seen = {draw_index(beta=b, layer=2, weights=[1, 1, 1]) for b in _betas(200)}
    assert seen == {0, 1, 2}


def test_alpha_binds_uid_epoch_and_digest_and_fits_the_status_field() -> None:
    digest = bytes(32)
    alpha = circuit_alpha(circuit_uid="u" * 64, epoch=2**40, digest=digest)
    assert len(alpha) <= 128
    assert alpha != circuit_alpha(circuit_uid="u" * 63 + "v", epoch=2**40, digest=digest)
    assert alpha != circuit_alpha(circuit_uid="u" * 64, epoch=2**40 + 1, digest=digest)
    assert alpha != circuit_alpha(circuit_uid="u" * 64, epoch=2**40, digest=b"\x01" * 32)
    with pytest.raises(ValueError, match=r"metadata\.uid"):
        circuit_alpha(circuit_uid="", epoch=1, digest=digest)


def test_bad_requests_name_the_field() -> None:
    with pytest.raises(ValueError, match=r"spec\.hops"):
        DrawRequest(hops=2)
    with pytest.raises(ValueError, match=r"spec\.minReliability"):
        DrawRequest(hops=3, min_reliability_ppm=2_000_000)
