//! The couponsd wire protocol, version 1, as protocol.md specifies it. Shared
//! by the client and the server; knows bytes, never business rules.

pub mod campaign;
pub mod error_code;
pub mod frame;
pub mod messages;
pub mod primitives;
pub mod replication;
pub mod types;

pub use campaign::*;
pub use error_code::ErrorCode;
pub use frame::{Frame, FrameError, MAX_FRAME_LENGTH};
pub use messages::*;
pub use primitives::{DecodeError, Reader, Writer};
pub use replication::*;
pub use types::*;
