//! Bytes <-> frames over any async stream. Used by the client and the server.

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::wire::frame::{self, Frame, FrameError};

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("connection closed inside a frame")]
    Truncated,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads whole frames, buffering partial ones. Never buffers more than one
/// maximum-size frame beyond what it has already returned.
pub struct FrameReader<R> {
    inner: R,
    buf: BytesMut,
    max_length: u32,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub fn new(inner: R, max_length: u32) -> Self {
        FrameReader {
            inner,
            buf: BytesMut::with_capacity(16 * 1024),
            max_length,
        }
    }

    /// The next frame; `Ok(None)` on a clean end of stream between frames.
    pub async fn read_frame(&mut self) -> Result<Option<Frame>, ReadError> {
        loop {
            if let Some(total) = frame::check(&self.buf, self.max_length)? {
                return Ok(Some(frame::parse(&mut self.buf, total)?));
            }
            if self.buf.capacity() - self.buf.len() < 4096 {
                self.buf.reserve(16 * 1024);
            }
            if self.inner.read_buf(&mut self.buf).await? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(ReadError::Truncated)
                };
            }
        }
    }

    /// True when a whole frame is already buffered (no read needed).
    pub fn has_buffered_frame(&self) -> bool {
        matches!(frame::check(&self.buf, self.max_length), Ok(Some(_)))
    }
}
