//! Wire sizes, the same as `fogcompute_mixnode/sphinx/geometry.py` (which documents them).

pub const MAX_HOPS: usize = 5;
pub const AD_SIZE: usize = 2;
pub const GROUP_ELEMENT_SIZE: usize = 32;
pub const MAC_SIZE: usize = 32;
pub const NODE_ID_SIZE: usize = 32;
pub const RECIPIENT_SIZE: usize = 32;
pub const SURB_ID_SIZE: usize = 16;
pub const DELAY_SIZE: usize = 4;
pub const SLOT: usize = 82;
pub const ROUTING_INFO_SIZE: usize = SLOT * MAX_HOPS;
pub const STREAM_SIZE: usize = ROUTING_INFO_SIZE + SLOT;
pub const HEADER_SIZE: usize = AD_SIZE + GROUP_ELEMENT_SIZE + ROUTING_INFO_SIZE + MAC_SIZE;
pub const AD_END: usize = AD_SIZE;
pub const ALPHA_END: usize = AD_END + GROUP_ELEMENT_SIZE;
pub const BETA_END: usize = ALPHA_END + ROUTING_INFO_SIZE;
pub const TAG_SIZE: usize = 16;
pub const LENGTH_PREFIX_SIZE: usize = 2;
pub const PAYLOAD_SIZE: usize = 2048;
pub const MAX_MESSAGE_SIZE: usize = PAYLOAD_SIZE - TAG_SIZE - LENGTH_PREFIX_SIZE;
pub const PACKET_SIZE: usize = HEADER_SIZE + PAYLOAD_SIZE;
pub const PAYLOAD_KEY_SIZE: usize = 48;
