//! The Sphinx composition: one hop's unwrap and a sender's header build, byte for byte the
//! Python reference's (`fogcompute_mixnode/sphinx/headers.py`, `processing.py`).
//!
//! Unwrap order (drop reasons and their order are the reference's): low-order group
//! element, header MAC, routing commands; then the caller checks the replay tag; then the
//! delay cap and, at the exit, the payload tag. Nothing here panics on any input: every
//! length is checked before slicing.

use crate::commands::{self, HopCommands};
use crate::geometry::*;
use crate::lioness;
use crate::primitives::{
    aes256_ctr_xor, chacha20_xor, encode_batch, hkdf_expand_sha256, hmac_sha256_parts,
    hmac_sha256_verify, sha512_256, x25519, GroupElement, LowOrderPoint, ScalarChain, KDF_INFO,
};

const HOP_KEY_MATERIAL_SIZE: usize = 160;

/// The keys one hop derives from its X25519 shared secret.
pub struct HopKeys {
    pub mac_key: [u8; 32],
    pub header_key: [u8; 32],
    pub header_iv: [u8; 16],
    pub payload_key: [u8; PAYLOAD_KEY_SIZE],
    pub blinding_seed: [u8; 32],
}

pub fn derive_hop_keys(shared: &[u8; 32]) -> Option<HopKeys> {
    let mut okm = [0u8; HOP_KEY_MATERIAL_SIZE];
    if !hkdf_expand_sha256(shared, KDF_INFO, &mut okm) {
        return None;
    }
    let mut keys = HopKeys {
        mac_key: [0; 32],
        header_key: [0; 32],
        header_iv: [0; 16],
        payload_key: [0; PAYLOAD_KEY_SIZE],
        blinding_seed: [0; 32],
    };
    keys.mac_key.copy_from_slice(&okm[0..32]);
    keys.header_key.copy_from_slice(&okm[32..64]);
    keys.header_iv.copy_from_slice(&okm[64..80]);
    keys.payload_key.copy_from_slice(&okm[80..128]);
    keys.blinding_seed.copy_from_slice(&okm[128..160]);
    Some(keys)
}

/// The X25519 scalar a hop blinds the group element with.
pub fn blinding_factor(seed: &[u8; 32]) -> [u8; 32] {
    let mut factor = [0u8; 32];
    chacha20_xor(seed, &[0u8; 12], &mut factor);
    factor
}

/// Why a packet is dropped, in the reference's vocabulary.
pub enum Drop {
    Malformed(String),
    LowOrderPoint,
    BadMac,
    BadCommand(String),
}

/// One verified and decrypted layer: keys, replay tag, and the decrypted routing stream.
pub struct Step {
    pub alpha: GroupElement,
    pub keys: HopKeys,
    pub tag: [u8; 32],
    pub routing: [u8; STREAM_SIZE],
}

impl Step {
    pub fn commands(&self) -> Result<HopCommands<'_>, String> {
        commands::decode(&self.routing[..SLOT])
    }
}

fn array32(data: &[u8]) -> Option<[u8; 32]> {
    data.try_into().ok()
}

/// Verify and decrypt one layer of `header` (at least `HEADER_SIZE` bytes).
pub fn unwrap_header(private_key: &[u8], header: &[u8]) -> Result<Step, Drop> {
    if header.len() < HEADER_SIZE {
        return Err(Drop::Malformed(format!("header is {} bytes", header.len())));
    }
    let key = array32(private_key)
        .ok_or_else(|| Drop::Malformed("private key is not 32 bytes".into()))?;
    let alpha = array32(&header[AD_END..ALPHA_END])
        .ok_or_else(|| Drop::Malformed("no group element".into()))?;
    let element = GroupElement::lift(&alpha);
    let shared = element
        .mul(&key)
        .map_err(|LowOrderPoint| Drop::LowOrderPoint)?;
    let keys =
        derive_hop_keys(&shared).ok_or_else(|| Drop::Malformed("key derivation failed".into()))?;
    if !hmac_sha256_verify(
        &keys.mac_key,
        &header[..BETA_END],
        &header[BETA_END..HEADER_SIZE],
    ) {
        return Err(Drop::BadMac);
    }
    let mut routing = [0u8; STREAM_SIZE];
    routing[..ROUTING_INFO_SIZE].copy_from_slice(&header[ALPHA_END..BETA_END]);
    aes256_ctr_xor(&keys.header_key, &keys.header_iv, &mut routing);
    let step = Step {
        alpha: element,
        tag: sha512_256(&alpha),
        keys,
        routing,
    };
    if let Err(detail) = step.commands() {
        return Err(Drop::BadCommand(detail));
    }
    Ok(step)
}

/// Write the next hop's header into `out` (`HEADER_SIZE` bytes).
pub fn write_next_header(
    header: &[u8],
    step: &Step,
    next_mac: &[u8],
    out: &mut [u8],
) -> Option<()> {
    let blinded = step
        .alpha
        .mul(&blinding_factor(&step.keys.blinding_seed))
        .ok()?;
    out.get_mut(..AD_END)?
        .copy_from_slice(header.get(..AD_END)?);
    out.get_mut(AD_END..ALPHA_END)?.copy_from_slice(&blinded);
    out.get_mut(ALPHA_END..BETA_END)?
        .copy_from_slice(&step.routing[SLOT..]);
    out.get_mut(BETA_END..HEADER_SIZE)?
        .copy_from_slice(next_mac);
    Some(())
}

/// Decrypt the payload layer of this hop in place.
pub fn unwrap_payload(step: &Step, block: &mut [u8]) -> Option<()> {
    lioness::decrypt(&step.keys.payload_key, block)
}

/// The packet a mix hop forwards: the next header (blinded group element, shifted routing
/// information, `next_mac`) and this hop's layer of `payload` removed. The work after the
/// replay check, in one call so the caller can run it without the GIL.
pub fn next_packet(
    header: &[u8],
    payload: &[u8],
    step: &Step,
    next_mac: &[u8],
) -> Option<Box<[u8; PACKET_SIZE]>> {
    let mut out = Box::new([0u8; PACKET_SIZE]);
    let (next_header, block) = out.split_at_mut(HEADER_SIZE);
    block.copy_from_slice(payload.get(..PAYLOAD_SIZE)?);
    write_next_header(header, step, next_mac, next_header)?;
    unwrap_payload(step, block)?;
    Some(out)
}

/// The exit hop's plaintext payload block.
pub fn exit_block(payload: &[u8], step: &Step) -> Option<[u8; PAYLOAD_SIZE]> {
    let mut block = [0u8; PAYLOAD_SIZE];
    block.copy_from_slice(payload.get(..PAYLOAD_SIZE)?);
    unwrap_payload(step, &mut block)?;
    Some(block)
}

/// The message in a plaintext payload block; `Err(detail)` if the tag or length is wrong.
pub fn decode_block(block: &[u8]) -> Result<&[u8], String> {
    if block.len() != PAYLOAD_SIZE || block[..TAG_SIZE].iter().any(|b| *b != 0) {
        return Err("payload tag does not verify".into());
    }
    let body = TAG_SIZE + LENGTH_PREFIX_SIZE;
    let size = usize::from(u16::from_be_bytes([block[TAG_SIZE], block[TAG_SIZE + 1]]));
    if size > MAX_MESSAGE_SIZE {
        return Err(format!(
            "payload length {size} is over the maximum {MAX_MESSAGE_SIZE}"
        ));
    }
    Ok(&block[body..body + size])
}

/// One hop of a path as the builder sees it.
pub struct BuildHop {
    pub node_id: [u8; 32],
    pub public_key: [u8; 32],
    pub delay_us: u32,
}

/// A built header and the payload key of every hop, in path order.
pub struct BuiltHeader {
    pub header: [u8; HEADER_SIZE],
    pub payload_keys: Vec<[u8; PAYLOAD_KEY_SIZE]>,
}

fn xor_in_place(target: &mut [u8], other: &[u8]) {
    for (t, o) in target.iter_mut().zip(other) {
        *t ^= o;
    }
}

/// The header routing through `path` to `recipient` (a SURB reply if `surb_id`), from the
/// caller's randomness: the sender's `secret` and `padding` (`plain_size - SLOT` bytes).
pub fn build_header(
    path: &[BuildHop],
    additional_data: &[u8; AD_SIZE],
    recipient: &[u8; 32],
    surb_id: Option<&[u8; 16]>,
    secret: &[u8; 32],
    padding: &[u8],
) -> Result<BuiltHeader, String> {
    let count = path.len();
    if !(1..=MAX_HOPS).contains(&count) {
        return Err(format!("path must have 1 to {MAX_HOPS} hops, got {count}"));
    }
    let plain_size = ROUTING_INFO_SIZE - (count - 1) * SLOT;
    if padding.len() != plain_size - SLOT {
        return Err(format!(
            "padding must be {} bytes, got {}",
            plain_size - SLOT,
            padding.len()
        ));
    }
    let low_order = |_: LowOrderPoint| "X25519 result is the all-zero point".to_string();
    // The reference multiplies each hop's key by the secret and then by every earlier
    // blinding factor, one X25519 call each; `ScalarChain` gives the same bytes with one
    // multiplication per hop (and the same chain of calls for a key that does not lift).
    let mut chain = ScalarChain::new(secret);
    let mut alpha_points = Vec::with_capacity(count);
    let mut keys: Vec<HopKeys> = Vec::with_capacity(count);
    let mut blinds: Vec<[u8; 32]> = Vec::with_capacity(count);
    for (index, hop) in path.iter().enumerate() {
        let shared = match chain.apply(&hop.public_key) {
            Some(result) => result.map_err(low_order)?,
            None => {
                let mut shared = x25519(secret, &hop.public_key).map_err(low_order)?;
                for factor in &blinds {
                    shared = x25519(factor, &shared).map_err(low_order)?;
                }
                shared
            }
        };
        let hop_keys = derive_hop_keys(&shared).ok_or("key derivation failed")?;
        alpha_points.push(chain.base_point());
        if index < count - 1 {
            let factor = blinding_factor(&hop_keys.blinding_seed);
            chain.push(&factor);
            blinds.push(factor);
        }
        keys.push(hop_keys);
    }
    let alphas = encode_batch(&alpha_points);
    let streams: Vec<[u8; STREAM_SIZE]> = keys
        .iter()
        .map(|k| {
            let mut stream = [0u8; STREAM_SIZE];
            aes256_ctr_xor(&k.header_key, &k.header_iv, &mut stream);
            stream
        })
        .collect();
    let mut filler: Vec<u8> = Vec::with_capacity(ROUTING_INFO_SIZE);
    for (index, stream) in streams.iter().enumerate().take(count - 1) {
        filler.extend_from_slice(&[0u8; SLOT]);
        xor_in_place(&mut filler, &stream[ROUTING_INFO_SIZE - index * SLOT..]);
    }
    let mut beta = [0u8; ROUTING_INFO_SIZE];
    beta[..SLOT].copy_from_slice(&commands::encode_exit(
        path[count - 1].delay_us,
        recipient,
        surb_id,
    ));
    beta[SLOT..plain_size].copy_from_slice(padding);
    xor_in_place(&mut beta[..plain_size], &streams[count - 1][..plain_size]);
    beta[plain_size..].copy_from_slice(&filler);
    let mut mac = hmac_sha256_parts(
        &keys[count - 1].mac_key,
        &[additional_data, &alphas[count - 1], &beta],
    );
    for index in (0..count - 1).rev() {
        let slot = commands::encode_next_hop(path[index].delay_us, &path[index + 1].node_id, &mac);
        let mut next = [0u8; ROUTING_INFO_SIZE];
        next[..SLOT].copy_from_slice(&slot);
        next[SLOT..].copy_from_slice(&beta[..ROUTING_INFO_SIZE - SLOT]);
        xor_in_place(&mut next, &streams[index][..ROUTING_INFO_SIZE]);
        beta = next;
        mac = hmac_sha256_parts(
            &keys[index].mac_key,
            &[additional_data, &alphas[index], &beta],
        );
    }
    let mut header = [0u8; HEADER_SIZE];
    header[..AD_END].copy_from_slice(additional_data);
    header[AD_END..ALPHA_END].copy_from_slice(&alphas[0]);
    header[ALPHA_END..BETA_END].copy_from_slice(&beta);
    header[BETA_END..].copy_from_slice(&mac);
    Ok(BuiltHeader {
        header,
        payload_keys: keys.iter().map(|k| k.payload_key).collect(),
    })
}
