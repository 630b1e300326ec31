//! The event stream (EVENTS_SUBSCRIBE): every change as an event, derived
//! from the applied log records, so it is exact, ordered, the same on every
//! node and resumable from any id the log still holds.
//!
//! `derive.rs` maps one record to its events (pure); `json.rs` is how one
//! looks as JSON and as a line of text; `read.rs` reads them
//! from this node's retained log from a cursor, with filters.

pub mod derive;
pub mod json;
pub mod read;
