//! LIONESS-BLAKE2b-ChaCha20, the Sphinx payload cipher, composed as in the Python reference
//! (`fogcompute_mixnode/sphinx/lioness.py`, Katzenpost's LIONESS spec): four Feistel rounds
//! of ChaCha20 (stream) and keyed BLAKE2b (hash), round keys from SHAKE-256 of the 48-byte
//! Sphinx payload key. Works in place on the block.

use crate::primitives::{blake2b_keyed_32, chacha20_xor, shake256, LIONESS_INFO};

pub const HALF: usize = 32;
pub const MIN_BLOCK_SIZE: usize = HALF + 1;
const EXPANDED_SIZE: usize = 4 * 32 + 4 * 12;

/// The round keys (`pub(crate)` with the round functions for the profiler's breakdown).
#[derive(Clone, Copy)]
pub(crate) struct RoundKeys {
    pub(crate) k1: [u8; 32],
    pub(crate) k3: [u8; 32],
    pub(crate) n1: [u8; 12],
    pub(crate) n3: [u8; 12],
    pub(crate) hk2: [u8; 44],
    pub(crate) hk4: [u8; 44],
}

pub(crate) fn round_keys(payload_key: &[u8]) -> RoundKeys {
    let mut okm = [0u8; EXPANDED_SIZE];
    shake256(&[LIONESS_INFO, payload_key], &mut okm);
    let mut keys = RoundKeys {
        k1: [0; 32],
        k3: [0; 32],
        n1: [0; 12],
        n3: [0; 12],
        hk2: [0; 44],
        hk4: [0; 44],
    };
    keys.k1.copy_from_slice(&okm[0..32]);
    keys.k3.copy_from_slice(&okm[64..96]);
    keys.n1.copy_from_slice(&okm[128..140]);
    keys.n3.copy_from_slice(&okm[152..164]);
    keys.hk2[..32].copy_from_slice(&okm[32..64]);
    keys.hk2[32..].copy_from_slice(&okm[140..152]);
    keys.hk4[..32].copy_from_slice(&okm[96..128]);
    keys.hk4[32..].copy_from_slice(&okm[164..176]);
    keys
}

fn xor_into(target: &mut [u8; 32], other: &[u8; 32]) {
    for (t, o) in target.iter_mut().zip(other) {
        *t ^= o;
    }
}

pub(crate) fn stream_round(left: &[u8], key: &[u8; 32], nonce: &[u8; 12], right: &mut [u8]) {
    let mut round_key = *key;
    for (k, l) in round_key.iter_mut().zip(left) {
        *k ^= l;
    }
    chacha20_xor(&round_key, nonce, right);
}

pub(crate) fn hash_round(left: &mut [u8], key: &[u8; 44], right: &[u8]) -> Option<()> {
    let digest = blake2b_keyed_32(key, right)?;
    let mut half = [0u8; 32];
    half.copy_from_slice(&left[..HALF]);
    xor_into(&mut half, &digest);
    left[..HALF].copy_from_slice(&half);
    Some(())
}

/// LIONESS-Encrypt `block` (at least 33 bytes) in place; None if it is too short.
pub fn encrypt(payload_key: &[u8], block: &mut [u8]) -> Option<()> {
    if block.len() < MIN_BLOCK_SIZE {
        return None;
    }
    let keys = round_keys(payload_key);
    let (left, right) = block.split_at_mut(HALF);
    stream_round(left, &keys.k1, &keys.n1, right);
    hash_round(left, &keys.hk2, right)?;
    stream_round(left, &keys.k3, &keys.n3, right);
    hash_round(left, &keys.hk4, right)
}

/// LIONESS-Decrypt `block` in place, the inverse of `encrypt`; None if it is too short.
pub fn decrypt(payload_key: &[u8], block: &mut [u8]) -> Option<()> {
    if block.len() < MIN_BLOCK_SIZE {
        return None;
    }
    let keys = round_keys(payload_key);
    let (left, right) = block.split_at_mut(HALF);
    hash_round(left, &keys.hk4, right)?;
    stream_round(left, &keys.k3, &keys.n3, right);
    hash_round(left, &keys.hk2, right)?;
    stream_round(left, &keys.k1, &keys.n1, right);
    Some(())
}
