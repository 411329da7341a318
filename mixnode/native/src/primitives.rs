//! Thin names over the RustCrypto and dalek primitives the Sphinx composition uses.
//!
//! Nothing here implements a primitive: X25519 is curve25519-dalek (Edwards form, or
//! x25519-dalek's Montgomery ladder for points off the curve),
//! HKDF/HMAC/SHA-2 come from `hkdf`/`hmac`/`sha2`, AES-256-CTR from `aes` + `ctr`,
//! ChaCha20 from `chacha20`, BLAKE2b from `blake2`, SHAKE-256 from `sha3`. This module only
//! fixes their parameters to the ones the Python reference (`fogcompute_mixnode.sphinx.keying`
//! and `.lioness`) uses, so both produce the same bytes.

use aes::cipher::{KeyIvInit, StreamCipher};
use blake2::Blake2bMac512;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::{clamp_integer, Scalar};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512_256};
use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::Shake256;
use subtle::ConstantTimeEq;

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;
type HmacSha256 = Hmac<Sha256>;

pub const KDF_INFO: &[u8] = b"katzenpost-kdf-v0-hkdf-sha256";
pub const LIONESS_INFO: &[u8] = b"fog-compute-lioness-v0";

/// An X25519 multiplication gave the all-zero point (a low-order input).
#[derive(Debug)]
pub struct LowOrderPoint;

/// X25519(scalar, point) with the scalar clamped, as libsodium's `crypto_scalarmult`;
/// the all-zero result (a low-order point) is refused, as libsodium refuses it.
///
/// X25519 is the u-coordinate of [clamped scalar]P for either point P with that
/// u-coordinate. When `point` is on curve25519 (every honest group element is), dalek's
/// birational map lifts it to Edwards form, where dalek's constant-time variable-base
/// multiplication runs on its AVX-512 IFMA or AVX2 backend (chosen at run time); the result
/// maps back to the same u-coordinate. That round trip is the faster X25519 here: on the
/// benchmark machine (AMD EPYC, `make bench-mixnet`) about 20 us (lift 5.7, multiplication
/// 11, encoding 2.7) against 35 us for dalek's Montgomery ladder (`mul_clamped` on
/// `MontgomeryPoint`, which is what x25519-dalek calls), and a hop lifts its element once
/// for both of its multiplications. A `point` that does not lift (on the quadratic twist,
/// or u = -1) takes x25519-dalek's ladder. Both agree with libsodium byte for byte
/// (`tests/mixnode/sphinx/test_sphinx_native.py` checks this against libsodium on random
/// and edge inputs, the Katzenpost vectors check the whole hop).
pub fn x25519(scalar: &[u8; 32], point: &[u8; 32]) -> Result<[u8; 32], LowOrderPoint> {
    GroupElement::lift(point).mul(scalar)
}

/// A group element prepared once for several X25519 multiplications (a hop multiplies
/// its incoming element twice: by its private key and by the blinding factor).
pub enum GroupElement {
    Edwards(EdwardsPoint),
    Montgomery(MontgomeryPoint),
}

impl GroupElement {
    pub fn lift(point: &[u8; 32]) -> Self {
        let montgomery = MontgomeryPoint(*point);
        match montgomery.to_edwards(0) {
            Some(edwards) => GroupElement::Edwards(edwards),
            None => GroupElement::Montgomery(montgomery),
        }
    }

    /// X25519(scalar, this element), refusing the all-zero result.
    pub fn mul(&self, scalar: &[u8; 32]) -> Result<[u8; 32], LowOrderPoint> {
        let out = match self {
            GroupElement::Edwards(edwards) => {
                edwards.mul_clamped(*scalar).to_montgomery().to_bytes()
            }
            GroupElement::Montgomery(montgomery) => x25519_dalek::x25519(*scalar, montgomery.0),
        };
        if bool::from(out.ct_eq(&[0u8; 32])) {
            Err(LowOrderPoint)
        } else {
            Ok(out)
        }
    }
}

/// Running product of clamped X25519 scalars, for a sender who multiplies one point by a
/// chain of them: X25519(b2, X25519(b1, X25519(c, P))) is the u-coordinate of
/// [c * b1 * b2]P, and once the cofactor is cleared the product can be taken mod l
/// (dalek's `Scalar` arithmetic) and applied in one multiplication. This is what the
/// chained calls compute, in fewer multiplications; the builder tests hold it against the
/// Python reference's chain of libsodium calls byte for byte.
pub struct ScalarChain {
    /// (c / 8) * b1 * ... mod l, where c is the first (clamped, so divisible by 8) scalar.
    over_cofactor: Scalar,
    /// c * b1 * ... mod l.
    product: Scalar,
}

impl ScalarChain {
    pub fn new(first: &[u8; 32]) -> Self {
        let clamped = Scalar::from_bytes_mod_order(clamp_integer(*first));
        let eighth = Scalar::from(8u8).invert();
        ScalarChain {
            over_cofactor: clamped * eighth,
            product: clamped,
        }
    }

    pub fn push(&mut self, next: &[u8; 32]) {
        let clamped = Scalar::from_bytes_mod_order(clamp_integer(*next));
        self.over_cofactor *= clamped;
        self.product *= clamped;
    }

    /// The basepoint times the whole chain, in Edwards form: its Montgomery u is X25519 of
    /// the basepoint by the chain. The builder encodes all hops' points at the end with one
    /// shared inversion (`encode_batch`).
    pub fn base_point(&self) -> EdwardsPoint {
        EdwardsPoint::mul_base(&self.product)
    }

    /// X25519 of `point` by the whole chain, when `point` lifts to curve25519 (None if it
    /// does not: the caller then runs the chain of X25519 calls itself).
    pub fn apply(&self, point: &[u8; 32]) -> Option<Result<[u8; 32], LowOrderPoint>> {
        let GroupElement::Edwards(edwards) = GroupElement::lift(point) else {
            return None;
        };
        let out = (self.over_cofactor * edwards.mul_by_cofactor())
            .to_montgomery()
            .to_bytes();
        Some(if bool::from(out.ct_eq(&[0u8; 32])) {
            Err(LowOrderPoint)
        } else {
            Ok(out)
        })
    }
}

/// The Montgomery u-coordinates of `points` (X25519 outputs), with one field inversion for
/// all of them (dalek's `to_montgomery_batch`; the same bytes as `to_montgomery` each).
pub fn encode_batch(points: &[EdwardsPoint]) -> Vec<[u8; 32]> {
    EdwardsPoint::to_montgomery_batch(points)
        .iter()
        .map(MontgomeryPoint::to_bytes)
        .collect()
}

/// HKDF-Expand(SHA-256) with the shared secret as the PRK (no extract step).
pub fn hkdf_expand_sha256(prk: &[u8; 32], info: &[u8], out: &mut [u8]) -> bool {
    match Hkdf::<Sha256>::from_prk(prk) {
        Ok(hkdf) => hkdf.expand(info, out).is_ok(),
        Err(_) => false,
    }
}

fn hmac_sha256(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this never fails.
    match <HmacSha256 as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac(),
    }
}

#[cold]
fn unreachable_hmac() -> HmacSha256 {
    <HmacSha256 as Mac>::new(&Default::default())
}

/// HMAC-SHA256 over the concatenation of `parts`.
pub fn hmac_sha256_parts(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = hmac_sha256(key);
    for part in parts {
        Mac::update(&mut mac, part);
    }
    mac.finalize().into_bytes().into()
}

/// Constant-time check of an HMAC-SHA256 tag over `data`.
pub fn hmac_sha256_verify(key: &[u8], data: &[u8], tag: &[u8]) -> bool {
    let mut mac = hmac_sha256(key);
    Mac::update(&mut mac, data);
    mac.verify_slice(tag).is_ok()
}

/// AES-256-CTR, the full 16-byte IV as the initial (big-endian, 128-bit) counter block.
pub fn aes256_ctr_xor(key: &[u8; 32], iv: &[u8; 16], data: &mut [u8]) {
    let mut cipher = Aes256Ctr::new(key.into(), iv.into());
    cipher.apply_keystream(data);
}

/// RFC 8439 ChaCha20 (96-bit nonce, block counter 0) applied to `data`.
pub fn chacha20_xor(key: &[u8; 32], nonce: &[u8; 12], data: &mut [u8]) {
    let mut cipher = chacha20::ChaCha20::new(key.into(), nonce.into());
    cipher.apply_keystream(data);
}

/// BLAKE2b-512 keyed with `key` (at most 64 bytes; None if longer).
pub fn blake2b_keyed(key: &[u8], data: &[u8]) -> Option<[u8; 64]> {
    let mut mac = <Blake2bMac512 as blake2::digest::KeyInit>::new_from_slice(key).ok()?;
    Mac::update(&mut mac, data);
    Some(mac.finalize().into_bytes().into())
}

/// BLAKE2b-512 keyed with `key`, truncated to 32 bytes.
pub fn blake2b_keyed_32(key: &[u8], data: &[u8]) -> Option<[u8; 32]> {
    let full = blake2b_keyed(key, data)?;
    let mut out = [0u8; 32];
    out.copy_from_slice(&full[..32]);
    Some(out)
}

/// SHAKE-256 of the concatenation of `parts`, `out.len()` bytes.
pub fn shake256(parts: &[&[u8]], out: &mut [u8]) {
    let mut xof = Shake256::default();
    for part in parts {
        xof.update(part);
    }
    xof.finalize_xof().read(out);
}

/// SHA-512/256 of `data` (the replay tag of a group element).
pub fn sha512_256(data: &[u8]) -> [u8; 32] {
    Sha512_256::digest(data).into()
}
