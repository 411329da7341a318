//! The sender's side of the extension: header and packet building, Lioness layers, and the
//! X25519 hook the tests hold against libsodium. Every entry point runs under
//! `catch_unwind` (`guarded`), so a panic surfaces as a Python ValueError, never an abort.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;

use crate::geometry::{AD_SIZE, HEADER_SIZE, PACKET_SIZE, PAYLOAD_SIZE};
use crate::sphinx::{self, BuildHop};
use crate::{lioness, primitives};

fn guarded<T>(action: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(action)).unwrap_or_else(|_| {
        Err(PyValueError::new_err(
            "internal error in the native Sphinx code",
        ))
    })
}

fn fixed<const N: usize>(name: &str, value: &[u8]) -> PyResult<[u8; N]> {
    value.try_into().map_err(|_| {
        PyValueError::new_err(format!("{name} must be {N} bytes, got {}", value.len()))
    })
}

fn build_path(
    public_keys: &[PyBackedBytes],
    node_ids: &[PyBackedBytes],
    delays: &[u64],
) -> PyResult<Vec<BuildHop>> {
    if public_keys.len() != node_ids.len() || node_ids.len() != delays.len() {
        return Err(PyValueError::new_err(
            "public_keys, node_ids and delays differ in length",
        ));
    }
    let mut path = Vec::with_capacity(node_ids.len());
    for ((key, id), delay) in public_keys.iter().zip(node_ids).zip(delays) {
        let delay_us = u32::try_from(*delay).map_err(|_| {
            PyValueError::new_err(format!("delay {delay} us does not fit in 32 bits"))
        })?;
        path.push(BuildHop {
            node_id: fixed("node id", id)?,
            public_key: fixed("public key", key)?,
            delay_us,
        });
    }
    Ok(path)
}

#[allow(clippy::too_many_arguments)]
fn header_inner(
    secret: &[u8],
    public_keys: &[PyBackedBytes],
    node_ids: &[PyBackedBytes],
    delays: &[u64],
    additional_data: &[u8],
    recipient: &[u8],
    surb_id: Option<&[u8]>,
    padding: &[u8],
) -> PyResult<sphinx::BuiltHeader> {
    let path = build_path(public_keys, node_ids, delays)?;
    let surb = match surb_id {
        Some(id) => Some(fixed::<16>("surb_id", id)?),
        None => None,
    };
    sphinx::build_header(
        &path,
        &fixed::<AD_SIZE>("additional_data", additional_data)?,
        &fixed("recipient", recipient)?,
        surb.as_ref(),
        &fixed("secret", secret)?,
        padding,
    )
    .map_err(PyValueError::new_err)
}

/// The header for a path and the payload key of every hop; see `_native.pyi`.
#[pyfunction]
#[pyo3(signature = (*, secret, public_keys, node_ids, delays, additional_data, recipient, surb_id, padding))]
#[allow(clippy::too_many_arguments)]
pub fn build_header<'py>(
    py: Python<'py>,
    secret: &[u8],
    public_keys: Vec<PyBackedBytes>,
    node_ids: Vec<PyBackedBytes>,
    delays: Vec<u64>,
    additional_data: &[u8],
    recipient: &[u8],
    surb_id: Option<&[u8]>,
    padding: &[u8],
) -> PyResult<(Bound<'py, PyBytes>, Vec<Bound<'py, PyBytes>>)> {
    guarded(|| {
        let built = header_inner(
            secret,
            &public_keys,
            &node_ids,
            &delays,
            additional_data,
            recipient,
            surb_id,
            padding,
        )?;
        let keys = built
            .payload_keys
            .iter()
            .map(|k| PyBytes::new(py, k))
            .collect();
        Ok((PyBytes::new(py, &built.header), keys))
    })
}

/// A whole forward packet: the header for the path, then `block` wrapped for every hop.
#[pyfunction]
#[pyo3(signature = (*, secret, public_keys, node_ids, delays, additional_data, recipient, padding, block))]
#[allow(clippy::too_many_arguments)]
pub fn build_packet<'py>(
    py: Python<'py>,
    secret: &[u8],
    public_keys: Vec<PyBackedBytes>,
    node_ids: Vec<PyBackedBytes>,
    delays: Vec<u64>,
    additional_data: &[u8],
    recipient: &[u8],
    padding: &[u8],
    block: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    guarded(|| {
        if block.len() != PAYLOAD_SIZE {
            return Err(PyValueError::new_err(format!(
                "block must be {PAYLOAD_SIZE} bytes"
            )));
        }
        let built = header_inner(
            secret,
            &public_keys,
            &node_ids,
            &delays,
            additional_data,
            recipient,
            None,
            padding,
        )?;
        PyBytes::new_with(py, PACKET_SIZE, |buf: &mut [u8]| {
            let (header, payload) = buf.split_at_mut(HEADER_SIZE);
            header.copy_from_slice(&built.header);
            payload.copy_from_slice(block);
            for key in built.payload_keys.iter().rev() {
                lioness::encrypt(key, payload);
            }
            Ok(())
        })
    })
}

fn lioness_apply<'py>(
    py: Python<'py>,
    block: &[u8],
    keys_in_order: &mut dyn Iterator<Item = &[u8]>,
    encrypt: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    if block.len() < lioness::MIN_BLOCK_SIZE {
        return Err(PyValueError::new_err(format!(
            "a LIONESS block is at least {} bytes, got {}",
            lioness::MIN_BLOCK_SIZE,
            block.len()
        )));
    }
    PyBytes::new_with(py, block.len(), |buf: &mut [u8]| {
        buf.copy_from_slice(block);
        for k in keys_in_order {
            if encrypt {
                lioness::encrypt(k, buf);
            } else {
                lioness::decrypt(k, buf);
            }
        }
        Ok(())
    })
}

/// LIONESS-Encrypt `block` under the 48-byte Sphinx payload key `key`.
#[pyfunction]
pub fn lioness_encrypt<'py>(
    py: Python<'py>,
    key: &[u8],
    block: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    guarded(|| lioness_apply(py, block, &mut std::iter::once(key), true))
}

/// LIONESS-Decrypt `block` under the 48-byte Sphinx payload key `key`.
#[pyfunction]
pub fn lioness_decrypt<'py>(
    py: Python<'py>,
    key: &[u8],
    block: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    guarded(|| lioness_apply(py, block, &mut std::iter::once(key), false))
}

/// Encrypt `block` so that hops unwrapping in path order recover it (keys in path order).
#[pyfunction]
pub fn wrap_payload<'py>(
    py: Python<'py>,
    block: &[u8],
    payload_keys: Vec<PyBackedBytes>,
) -> PyResult<Bound<'py, PyBytes>> {
    guarded(|| {
        let mut keys = payload_keys.iter().rev().map(|k| &k[..]);
        lioness_apply(py, block, &mut keys, true)
    })
}

/// X25519(scalar, point) as the unwrap computes it (all-zero for a low-order point);
/// exposed so the tests can hold it against libsodium.
#[pyfunction]
pub fn x25519<'py>(py: Python<'py>, scalar: &[u8], point: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    guarded(|| {
        let out = primitives::x25519(&fixed("scalar", scalar)?, &fixed("point", point)?);
        Ok(PyBytes::new(py, &out.unwrap_or([0u8; 32])))
    })
}
