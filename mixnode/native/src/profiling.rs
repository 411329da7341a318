//! Where one hop's time goes: the benchmark's per-step breakdown and X25519 floor.
//!
//! Called only by `bench/bench_sphinx.py` (never on the packet path). Each step of
//! `unwrap_packet` runs on its own, on the benchmark's real packet and key, `BATCH` times per
//! sample; the steps take turns sample by sample, so load from other processes hits all
//! alike, and each figure is the median sample in nanoseconds per call. The steps call the
//! same functions the unwrap calls; only the two X25519 multiplications are split into their
//! dalek parts (lift to Edwards, multiplication, encoding back to Montgomery u), which is how
//! `primitives::GroupElement` computes them. Nothing here is timed against a threshold.

use std::hint::black_box;
use std::time::Instant;

use curve25519_dalek::montgomery::MontgomeryPoint;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::geometry::{
    AD_END, ALPHA_END, BETA_END, HEADER_SIZE, PACKET_SIZE, PAYLOAD_SIZE, SLOT, STREAM_SIZE,
};
use crate::primitives::{
    aes256_ctr_xor, hkdf_expand_sha256, hmac_sha256_verify, sha512_256, GroupElement, KDF_INFO,
};
use crate::{lioness, replays, sphinx};

const BATCH: u32 = 8;
/// A small filter: the step sets the same tag's bits again and again, so this is the hashing
/// and bit setting with the bits in cache; a node's own filter (193 KiB at 100,000 packets
/// an epoch) adds cache misses, which the benchmark sees in the whole call.
const BLOOM_BYTES: usize = 1 << 12;
const BLOOM_HASHES: usize = 11;

type Step<'a> = (&'static str, Box<dyn FnMut() + 'a>);

fn medians(steps: &mut [Step<'_>], rounds: usize) -> Vec<(String, f64)> {
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); steps.len()];
    for _ in 0..rounds {
        for (index, (_, action)) in steps.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..BATCH {
                action();
            }
            samples[index].push(start.elapsed().as_nanos() as f64 / f64::from(BATCH));
        }
    }
    steps
        .iter()
        .zip(samples.iter_mut())
        .map(|((name, _), values)| {
            values.sort_by(f64::total_cmp);
            (
                (*name).to_string(),
                values.get(values.len() / 2).copied().unwrap_or(0.0),
            )
        })
        .collect()
}

fn edwards(element: &GroupElement) -> PyResult<curve25519_dalek::edwards::EdwardsPoint> {
    match element {
        GroupElement::Edwards(point) => Ok(*point),
        GroupElement::Montgomery(_) => Err(PyValueError::new_err(
            "the packet's group element does not lift to Edwards form; profile an honest packet",
        )),
    }
}

/// Median nanoseconds of each step of one hop over `packet` (a forward packet this
/// `private_key` unwraps), `(step, ns)` in the unwrap's order.
#[pyfunction]
pub fn profile_hop(
    py: Python<'_>,
    private_key: &[u8],
    packet: &[u8],
    rounds: usize,
) -> PyResult<Vec<(String, f64)>> {
    let fail = |what: &str| PyValueError::new_err(format!("profile_hop: {what}"));
    if packet.len() != PACKET_SIZE {
        return Err(fail("packet is not PACKET_SIZE bytes"));
    }
    let (header, payload) = packet.split_at(HEADER_SIZE);
    let key: [u8; 32] = private_key
        .try_into()
        .map_err(|_| fail("key is not 32 bytes"))?;
    let step = sphinx::unwrap_header(&key, header)
        .map_err(|_| fail("the packet does not unwrap with this key"))?;
    let commands = step.commands().map_err(|_| fail("bad commands"))?;
    let next_mac = commands
        .next_mac
        .ok_or_else(|| fail("not a forward packet"))?;
    let alpha: [u8; 32] = header[AD_END..ALPHA_END]
        .try_into()
        .map_err(|_| fail("alpha"))?;
    let point = edwards(&step.alpha)?;
    let shared_point = point.mul_clamped(key);
    let factor = sphinx::blinding_factor(&step.keys.blinding_seed);
    let blinded_point = point.mul_clamped(factor);
    // Every closure owns its scratch buffers (`move` copies the arrays); the Bloom filters
    // are two, one per step that sets bits, half full.
    let mut bloom = vec![0x55u8; BLOOM_BYTES];
    let mut bloom_whole = vec![0x55u8; BLOOM_BYTES];
    let bloom_bits = (BLOOM_BYTES * 8) as u64;
    let mut routing = [0u8; STREAM_SIZE];
    let mut block = [0u8; PAYLOAD_SIZE];
    let mut next_header = [0u8; HEADER_SIZE];
    let mut okm = [0u8; 160];
    let payload_key = step.keys.payload_key;
    let round_keys = lioness::round_keys(&payload_key);
    let step = &step;
    let mut steps: Vec<Step<'_>> = vec![
        (
            "x25519 decode: lift u to Edwards (inversion + square root)",
            Box::new(move || {
                black_box(GroupElement::lift(black_box(&alpha)));
            }),
        ),
        (
            "x25519 #1 (node key): Edwards multiplication",
            Box::new(move || {
                black_box(black_box(point).mul_clamped(key));
            }),
        ),
        (
            "x25519 #1 encode: back to Montgomery u (inversion)",
            Box::new(move || {
                black_box(black_box(shared_point).to_montgomery().to_bytes());
            }),
        ),
        (
            "hkdf-sha256 expand, 160 B of hop keys",
            Box::new(move || {
                black_box(hkdf_expand_sha256(
                    black_box(&step.keys.mac_key),
                    KDF_INFO,
                    &mut okm,
                ));
            }),
        ),
        (
            "hmac-sha256 verify over 444 B (constant time)",
            Box::new(move || {
                black_box(hmac_sha256_verify(
                    &step.keys.mac_key,
                    black_box(&header[..BETA_END]),
                    &header[BETA_END..],
                ));
            }),
        ),
        (
            "aes-256-ctr over the routing info, 492 B",
            Box::new(move || {
                routing[..BETA_END - ALPHA_END]
                    .copy_from_slice(black_box(&header[ALPHA_END..BETA_END]));
                aes256_ctr_xor(&step.keys.header_key, &step.keys.header_iv, &mut routing);
                black_box(&routing);
            }),
        ),
        (
            "routing commands decode",
            Box::new(move || {
                black_box(black_box(&step).commands().is_ok());
            }),
        ),
        (
            "replay tag: sha-512/256 of the group element",
            Box::new(move || {
                black_box(sha512_256(black_box(&alpha)));
            }),
        ),
        (
            "bloom filter: keyed blake2b + bits",
            Box::new(move || {
                black_box(replays::check_and_add(
                    &mut bloom,
                    bloom_bits,
                    BLOOM_HASHES,
                    b"salt",
                    &step.tag,
                ));
            }),
        ),
        (
            "blinding factor: chacha20 of the seed",
            Box::new(move || {
                black_box(sphinx::blinding_factor(black_box(&step.keys.blinding_seed)));
            }),
        ),
        (
            "x25519 #2 (blinding): Edwards multiplication",
            Box::new(move || {
                black_box(black_box(point).mul_clamped(factor));
            }),
        ),
        (
            "x25519 #2 encode: back to Montgomery u (inversion)",
            Box::new(move || {
                black_box(black_box(blinded_point).to_montgomery().to_bytes());
            }),
        ),
        (
            "lioness decrypt over the 2048 B payload",
            Box::new(move || {
                block.copy_from_slice(black_box(payload));
                black_box(lioness::decrypt(&payload_key, &mut block));
            }),
        ),
        (
            "  of which round keys (shake-256)",
            Box::new(move || {
                black_box(lioness::round_keys(black_box(&payload_key)));
            }),
        ),
        (
            "  of which chacha20 x2 over 2016 B",
            Box::new(move || {
                let (left, right) = block.split_at_mut(lioness::HALF);
                lioness::stream_round(black_box(left), &round_keys.k3, &round_keys.n3, right);
                lioness::stream_round(left, &round_keys.k1, &round_keys.n1, right);
                black_box(&block);
            }),
        ),
        (
            "  of which keyed blake2b x2 over 2016 B",
            Box::new(move || {
                let (left, right) = block.split_at_mut(lioness::HALF);
                black_box(lioness::hash_round(left, &round_keys.hk4, black_box(right)));
                black_box(lioness::hash_round(left, &round_keys.hk2, right));
            }),
        ),
        (
            "buffers: next header + payload copies",
            Box::new(move || {
                next_header[..AD_END].copy_from_slice(black_box(&header[..AD_END]));
                next_header[ALPHA_END..BETA_END].copy_from_slice(&step.routing[SLOT..]);
                next_header[BETA_END..].copy_from_slice(black_box(next_mac));
                block.copy_from_slice(black_box(payload));
                black_box((&next_header, &block));
            }),
        ),
        (
            "GIL release + reacquire, x2",
            Box::new(move || {
                py.detach(|| black_box(0u8));
                py.detach(|| black_box(0u8));
            }),
        ),
        (
            "output bytes object (2486 B copy)",
            Box::new(move || {
                black_box(PyBytes::new(py, black_box(packet)));
            }),
        ),
        (
            "whole unwrap in Rust (all steps above, no Python)",
            Box::new(move || {
                let Ok(step) = sphinx::unwrap_header(&key, black_box(header)) else {
                    return;
                };
                black_box(replays::check_and_add(
                    &mut bloom_whole,
                    bloom_bits,
                    10,
                    b"salt",
                    &step.tag,
                ));
                black_box(sphinx::next_packet(header, payload, &step, next_mac));
            }),
        ),
    ];
    Ok(medians(&mut steps, rounds))
}

/// Median nanoseconds of one X25519(scalar, point), bytes to bytes, by each route the
/// extension can take, and by x25519-dalek; `(route, ns)`.
#[pyfunction]
pub fn profile_x25519(scalar: &[u8], point: &[u8], rounds: usize) -> PyResult<Vec<(String, f64)>> {
    let scalar: [u8; 32] = scalar
        .try_into()
        .map_err(|_| PyValueError::new_err("profile_x25519: scalar is not 32 bytes"))?;
    let point: [u8; 32] = point
        .try_into()
        .map_err(|_| PyValueError::new_err("profile_x25519: point is not 32 bytes"))?;
    let lifted = edwards(&GroupElement::lift(&point))?;
    let product = lifted.mul_clamped(scalar);
    let mut steps: Vec<Step<'_>> = vec![
        (
            "dalek via Edwards (the hop's route)",
            Box::new(move || {
                black_box(GroupElement::lift(black_box(&point)).mul(&scalar).ok());
            }),
        ),
        (
            "dalek Montgomery ladder (MontgomeryPoint::mul_clamped)",
            Box::new(move || {
                black_box(
                    MontgomeryPoint(black_box(point))
                        .mul_clamped(scalar)
                        .to_bytes(),
                );
            }),
        ),
        (
            "x25519-dalek x25519()",
            Box::new(move || {
                black_box(x25519_dalek::x25519(black_box(scalar), point));
            }),
        ),
        (
            "  Edwards route: lift",
            Box::new(move || {
                black_box(GroupElement::lift(black_box(&point)));
            }),
        ),
        (
            "  Edwards route: multiplication",
            Box::new(move || {
                black_box(black_box(lifted).mul_clamped(scalar));
            }),
        ),
        (
            "  Edwards route: encode",
            Box::new(move || {
                black_box(black_box(product).to_montgomery().to_bytes());
            }),
        ),
    ];
    Ok(medians(&mut steps, rounds))
}
