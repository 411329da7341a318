//! `fogcompute_mixnode._native`: the Sphinx hot paths of fog-compute's mixnet in Rust.
//!
//! Called only by `fogcompute_mixnode.sphinx` (its `processing`, `building`, `surbs` and
//! `lioness` modules pick this module when it imports, the pure-Python reference otherwise).
//! It composes RustCrypto/dalek primitives (see `primitives`) into the Sphinx operations and
//! implements no primitive of its own. No function lets a panic cross into Python: each
//! entry point runs under `catch_unwind`, and a panic while unwrapping a packet becomes the
//! "malformed" drop code. Keys and packets are never logged. `unwrap_packet` runs its
//! cryptography with the GIL released; `profiling` serves only the benchmark.

mod building;
mod commands;
mod geometry;
mod lioness;
mod primitives;
mod profiling;
mod replays;
mod sphinx;

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

use geometry::{HEADER_SIZE, PACKET_SIZE};
use sphinx::Drop as SphinxDrop;

/// Outcome codes of `unwrap_packet`: >= 0 accepted, < 0 dropped (the order of the checks
/// is the reference's: malformed, low-order point, MAC, commands, replay, delay, payload).
const FORWARD: i32 = 0;
const DELIVER: i32 = 1;
const SURB_REPLY: i32 = 2;
const MALFORMED: i32 = -1;
const LOW_ORDER_POINT: i32 = -2;
const BAD_MAC: i32 = -3;
const BAD_COMMAND: i32 = -4;
const REPLAY: i32 = -5;
const DELAY_OVER_CAP: i32 = -6;
const BAD_PAYLOAD: i32 = -7;

type Unwrapped<'py> = (
    i32,
    u64,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
);

/// The replay filter of the packet's epoch, as the Python `Bloom` holds it.
struct Replay<'a, 'py> {
    bits: &'a Bound<'py, PyByteArray>,
    size: u64,
    hashes: usize,
    salt: &'a [u8],
}

fn failure<'py>(py: Python<'py>, code: i32, detail: &str) -> Unwrapped<'py> {
    let empty = PyBytes::new(py, b"");
    (
        code,
        0,
        PyBytes::new(py, detail.as_bytes()),
        empty.clone(),
        empty,
    )
}

fn unwrap_inner<'py>(
    py: Python<'py>,
    private_key: &[u8],
    packet: &[u8],
    max_delay_us: u64,
    replay: &Replay<'_, 'py>,
) -> PyResult<Unwrapped<'py>> {
    if packet.len() != PACKET_SIZE {
        let detail = format!("packet is {} bytes, not {PACKET_SIZE}", packet.len());
        return Ok(failure(py, MALFORMED, &detail));
    }
    let (header, payload) = packet.split_at(HEADER_SIZE);
    // The cryptography runs without the GIL, in two parts around the replay check (which
    // touches the filter's Python bytearray, so it runs with the GIL): X25519 with the node's
    // key, HKDF, MAC check and routing decryption first; blinding and the payload layer only
    // for a packet that passed every check, as before. `packet` and `private_key` borrow
    // immutable `bytes` objects the caller holds, so no Python code can change them meanwhile.
    let step = match py.detach(|| sphinx::unwrap_header(private_key, header)) {
        Ok(step) => step,
        Err(SphinxDrop::Malformed(detail)) => return Ok(failure(py, MALFORMED, &detail)),
        Err(SphinxDrop::LowOrderPoint) => {
            return Ok(failure(
                py,
                LOW_ORDER_POINT,
                "group element is a low-order point",
            ))
        }
        Err(SphinxDrop::BadMac) => return Ok(failure(py, BAD_MAC, "header MAC does not verify")),
        Err(SphinxDrop::BadCommand(detail)) => return Ok(failure(py, BAD_COMMAND, &detail)),
    };
    let commands = match step.commands() {
        Ok(commands) => commands,
        Err(detail) => return Ok(failure(py, BAD_COMMAND, &detail)),
    };
    // SAFETY: the bytearray is only borrowed inside this block, which holds the GIL and runs
    // no Python code (no object is created, so no finalizer can resize or free it meanwhile).
    let seen = {
        let bits = unsafe { replay.bits.as_bytes_mut() };
        replays::check_and_add(bits, replay.size, replay.hashes, replay.salt, &step.tag)
    };
    match seen {
        None => {
            return Ok(failure(
                py,
                MALFORMED,
                "replay filter parameters do not fit its bits",
            ))
        }
        Some(true) => return Ok(failure(py, REPLAY, "replay tag already seen this epoch")),
        Some(false) => {}
    }
    let delay = u64::from(commands.delay_us);
    if delay > max_delay_us {
        let detail = format!("delay {delay} us > cap {max_delay_us} us");
        return Ok(failure(py, DELAY_OVER_CAP, &detail));
    }
    let empty = PyBytes::new(py, b"");
    if let (Some(next_hop), Some(next_mac)) = (commands.next_hop, commands.next_mac) {
        let Some(out) = py.detach(|| sphinx::next_packet(header, payload, &step, next_mac)) else {
            return Ok(failure(py, MALFORMED, "could not rewrite the header"));
        };
        let out = PyBytes::new(py, &out[..]);
        return Ok((FORWARD, delay, PyBytes::new(py, next_hop), out, empty));
    }
    let Some(block) = py.detach(|| sphinx::exit_block(payload, &step)) else {
        return Ok(failure(py, MALFORMED, "payload block too short"));
    };
    let recipient = PyBytes::new(py, commands.recipient.unwrap_or(b""));
    if let Some(surb_id) = commands.surb_id {
        let surb_id = PyBytes::new(py, surb_id);
        return Ok((
            SURB_REPLY,
            delay,
            recipient,
            PyBytes::new(py, &block),
            surb_id,
        ));
    }
    match sphinx::decode_block(&block) {
        Ok(message) => Ok((DELIVER, delay, recipient, PyBytes::new(py, message), empty)),
        Err(detail) => Ok(failure(py, BAD_PAYLOAD, &detail)),
    }
}

/// Unwrap one layer of `packet` with `private_key`, checking and recording its replay tag
/// in the epoch's Bloom filter; see `_native.pyi` for the tuple.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn unwrap_packet<'py>(
    py: Python<'py>,
    private_key: &[u8],
    packet: &[u8],
    max_delay_us: u64,
    bloom_bits: &Bound<'py, PyByteArray>,
    bloom_size: u64,
    bloom_hashes: usize,
    bloom_salt: &[u8],
) -> PyResult<Unwrapped<'py>> {
    let replay = Replay {
        bits: bloom_bits,
        size: bloom_size,
        hashes: bloom_hashes,
        salt: bloom_salt,
    };
    match catch_unwind(AssertUnwindSafe(|| {
        unwrap_inner(py, private_key, packet, max_delay_us, &replay)
    })) {
        Ok(result) => result,
        Err(_) => Ok(failure(
            py,
            MALFORMED,
            "internal error in the native unwrap",
        )),
    }
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(unwrap_packet, module)?)?;
    module.add_function(wrap_pyfunction!(building::build_header, module)?)?;
    module.add_function(wrap_pyfunction!(building::build_packet, module)?)?;
    module.add_function(wrap_pyfunction!(building::lioness_encrypt, module)?)?;
    module.add_function(wrap_pyfunction!(building::lioness_decrypt, module)?)?;
    module.add_function(wrap_pyfunction!(building::wrap_payload, module)?)?;
    module.add_function(wrap_pyfunction!(building::x25519, module)?)?;
    module.add_function(wrap_pyfunction!(profiling::profile_hop, module)?)?;
    module.add_function(wrap_pyfunction!(profiling::profile_x25519, module)?)?;
    module.add("PACKET_SIZE", PACKET_SIZE)?;
    module.add("HEADER_SIZE", HEADER_SIZE)?;
    Ok(())
}
