//! The replay filter's Bloom step, on the bytearray of the Python `ReplayFilter`'s `Bloom`
//! (`fogcompute_mixnode/sphinx/replays.py`): the same positions (little-endian 32-bit words
//! of BLAKE2b-512 keyed with the filter's salt, modulo its size), the same bits.

use crate::primitives::blake2b_keyed;

const MAX_HASHES: usize = 16;

/// Set the bits of `tag`; Some(true) if they were all set already (a replay), None if the
/// filter's parameters do not fit `bits`.
pub fn check_and_add(
    bits: &mut [u8],
    size: u64,
    hashes: usize,
    salt: &[u8],
    tag: &[u8],
) -> Option<bool> {
    if hashes == 0 || hashes > MAX_HASHES || size == 0 || size > (bits.len() as u64) * 8 {
        return None;
    }
    let digest = blake2b_keyed(salt, tag)?;
    let mut seen = true;
    for word in digest.chunks_exact(4).take(hashes) {
        let position = u64::from(u32::from_le_bytes([word[0], word[1], word[2], word[3]])) % size;
        let byte = bits.get_mut(usize::try_from(position >> 3).ok()?)?;
        let mask = 1u8 << (position & 7);
        if *byte & mask == 0 {
            seen = false;
            *byte |= mask;
        }
    }
    Some(seen)
}
