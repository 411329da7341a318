//! Routing commands inside a hop's 82-byte slot, decoded and encoded exactly as the Python
//! reference (`fogcompute_mixnode/sphinx/commands.py`) does, with the same error texts.

use crate::geometry::{DELAY_SIZE, MAC_SIZE, NODE_ID_SIZE, RECIPIENT_SIZE, SLOT, SURB_ID_SIZE};

pub const CMD_NULL: u8 = 0x00;
pub const CMD_NEXT_HOP: u8 = 0x01;
pub const CMD_RECIPIENT: u8 = 0x02;
pub const CMD_SURB_REPLY: u8 = 0x03;
pub const CMD_DELAY: u8 = 0x80;

const NEXT_HOP_SIZE: usize = NODE_ID_SIZE + MAC_SIZE;
const FAST_NEXT_AT: usize = 1 + DELAY_SIZE;
const FAST_END: usize = FAST_NEXT_AT + 1 + NEXT_HOP_SIZE;

/// The decoded commands of one hop, borrowing from the decrypted slot.
#[derive(Default)]
pub struct HopCommands<'a> {
    pub next_hop: Option<&'a [u8]>,
    pub next_mac: Option<&'a [u8]>,
    pub recipient: Option<&'a [u8]>,
    pub surb_id: Option<&'a [u8]>,
    pub delay_us: u32,
}

fn argument_size(cmd: u8) -> Option<usize> {
    match cmd {
        CMD_NEXT_HOP => Some(NEXT_HOP_SIZE),
        CMD_RECIPIENT => Some(RECIPIENT_SIZE),
        CMD_SURB_REPLY => Some(SURB_ID_SIZE),
        CMD_DELAY => Some(DELAY_SIZE),
        _ => None,
    }
}

fn delay_of(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b))
}

/// Parse one hop's slot; `Err(detail)` on anything but a valid command list.
pub fn decode(slot: &[u8]) -> Result<HopCommands<'_>, String> {
    if slot.len() == SLOT
        && slot[0] == CMD_DELAY
        && slot[FAST_NEXT_AT] == CMD_NEXT_HOP
        && slot[FAST_END..].iter().all(|b| *b == 0)
    {
        // The layout every mix hop of ours has (delay, next hop, zeros).
        let id_at = FAST_NEXT_AT + 1;
        return Ok(HopCommands {
            next_hop: Some(&slot[id_at..id_at + NODE_ID_SIZE]),
            next_mac: Some(&slot[id_at + NODE_ID_SIZE..FAST_END]),
            delay_us: delay_of(&slot[1..FAST_NEXT_AT]),
            ..HopCommands::default()
        });
    }
    decode_generic(slot)
}

fn decode_generic(slot: &[u8]) -> Result<HopCommands<'_>, String> {
    let mut out = HopCommands::default();
    let mut seen = [false; 256];
    let mut delay: Option<&[u8]> = None;
    let mut hop: Option<&[u8]> = None;
    let (mut pos, end) = (0usize, slot.len());
    while pos < end {
        let cmd = slot[pos];
        if cmd == CMD_NULL {
            if slot[pos + 1..].iter().any(|b| *b != 0) {
                return Err("non-zero bytes after the null command".into());
            }
            break;
        }
        let size =
            argument_size(cmd).ok_or_else(|| format!("unknown routing command 0x{cmd:02x}"))?;
        if seen[usize::from(cmd)] {
            return Err(format!("routing command 0x{cmd:02x} appears twice"));
        }
        if pos + 1 + size > end {
            return Err(format!("routing command 0x{cmd:02x} is truncated"));
        }
        seen[usize::from(cmd)] = true;
        let argument = &slot[pos + 1..pos + 1 + size];
        match cmd {
            CMD_NEXT_HOP => hop = Some(argument),
            CMD_RECIPIENT => out.recipient = Some(argument),
            CMD_SURB_REPLY => out.surb_id = Some(argument),
            _ => delay = Some(argument),
        }
        pos += 1 + size;
    }
    if let Some(hop) = hop {
        out.next_hop = Some(&hop[..NODE_ID_SIZE]);
        out.next_mac = Some(&hop[NODE_ID_SIZE..]);
    }
    out.delay_us = delay.map_or(0, delay_of);
    check_consistent(
        out.next_hop.is_some(),
        out.recipient.is_some(),
        out.surb_id.is_some(),
    )?;
    Ok(out)
}

/// The rules every slot obeys, with the Python reference's messages.
pub fn check_consistent(forwarding: bool, recipient: bool, surb: bool) -> Result<(), String> {
    if forwarding == recipient {
        return Err("a hop needs exactly one of a next-hop or a recipient command".into());
    }
    if forwarding && surb {
        return Err("a SURB-reply command is only valid with a recipient".into());
    }
    Ok(())
}

/// A mix hop's slot: delay, next hop id and the next header's MAC, zeros.
pub fn encode_next_hop(delay_us: u32, next_hop: &[u8; 32], next_mac: &[u8; 32]) -> [u8; SLOT] {
    let mut slot = [0u8; SLOT];
    slot[0] = CMD_DELAY;
    slot[1..FAST_NEXT_AT].copy_from_slice(&delay_us.to_be_bytes());
    slot[FAST_NEXT_AT] = CMD_NEXT_HOP;
    slot[FAST_NEXT_AT + 1..FAST_NEXT_AT + 1 + NODE_ID_SIZE].copy_from_slice(next_hop);
    slot[FAST_NEXT_AT + 1 + NODE_ID_SIZE..FAST_END].copy_from_slice(next_mac);
    slot
}

/// The exit hop's slot: delay, recipient, and the SURB id of a reply, zeros.
pub fn encode_exit(delay_us: u32, recipient: &[u8; 32], surb_id: Option<&[u8; 16]>) -> [u8; SLOT] {
    let mut slot = [0u8; SLOT];
    slot[0] = CMD_DELAY;
    slot[1..FAST_NEXT_AT].copy_from_slice(&delay_us.to_be_bytes());
    let mut pos = FAST_NEXT_AT;
    slot[pos] = CMD_RECIPIENT;
    slot[pos + 1..pos + 1 + RECIPIENT_SIZE].copy_from_slice(recipient);
    pos += 1 + RECIPIENT_SIZE;
    if let Some(id) = surb_id {
        slot[pos] = CMD_SURB_REPLY;
        slot[pos + 1..pos + 1 + SURB_ID_SIZE].copy_from_slice(id);
    }
    slot
}
