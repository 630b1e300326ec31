//! The couponsd wire protocol, version 1, as protocol.md specifies it. Shared
//! by the client and the server; knows bytes, never business rules.

pub mod analytics;
pub mod backup;
pub mod campaign;
pub mod cluster;
pub mod distribution;
pub mod error_code;
pub mod events;
pub mod frame;
pub mod fraud;
pub mod messages;
pub mod order;
pub mod primitives;
pub mod qualify;
#[cfg(feature = "serde")]
mod serde_text;
pub mod types;
pub mod webhooks;

pub use analytics::*;
pub use backup::*;
pub use campaign::*;
pub use cluster::*;
pub use distribution::*;
pub use error_code::ErrorCode;
pub use events::*;
pub use frame::{Frame, FrameError, MAX_FRAME_LENGTH};
pub use fraud::*;
pub use messages::*;
pub use order::*;
pub use primitives::{DecodeError, Reader, Writer};
pub use qualify::*;
pub use types::*;
pub use webhooks::*;
