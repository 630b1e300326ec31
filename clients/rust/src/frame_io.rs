//! Bytes <-> frames over any async stream. Used by the client and the server.

use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::wire::frame::{self, Frame, FrameError};

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("connection closed inside a frame")]
    Truncated,
    /// No byte of a next frame within the idle time (see `read_frame_within`).
    #[error("no frame within the idle timeout")]
    Idle,
    /// A frame begun was not complete within its time.
    #[error("a frame was not completed within {} ms of its first byte", .0.as_millis())]
    FrameTimeout(Duration),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads whole frames, buffering partial ones. Never buffers more than one
/// maximum-size frame beyond what it has already returned.
pub struct FrameReader<R> {
    inner: R,
    buf: BytesMut,
    max_length: u32,
    /// When the first byte of the frame not yet complete arrived (None:
    /// nothing buffered), so that a reader can bound how long a frame takes.
    partial_since: Option<Instant>,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub fn new(inner: R, max_length: u32) -> Self {
        FrameReader {
            inner,
            buf: BytesMut::with_capacity(16 * 1024),
            max_length,
            partial_since: None,
        }
    }

    /// The next frame; `Ok(None)` on a clean end of stream between frames.
    pub async fn read_frame(&mut self) -> Result<Option<Frame>, ReadError> {
        self.next_frame(None).await
    }

    /// The next frame, waiting at most `idle` for its first byte (else
    /// `ReadError::Idle`: nothing is lost, call again) and at most `frame`
    /// from its first byte to its last (else `ReadError::FrameTimeout`), so
    /// that bytes trickled in slowly cannot hold a reader forever.
    pub async fn read_frame_within(
        &mut self,
        idle: Duration,
        frame: Duration,
    ) -> Result<Option<Frame>, ReadError> {
        self.next_frame(Some((idle, frame))).await
    }

    async fn next_frame(
        &mut self,
        limits: Option<(Duration, Duration)>,
    ) -> Result<Option<Frame>, ReadError> {
        let started = Instant::now();
        loop {
            if let Some(total) = frame::check(&self.buf, self.max_length)? {
                let frame = frame::parse(&mut self.buf, total)?;
                // What is left is the start of the next frame, read just now.
                self.partial_since = (!self.buf.is_empty()).then(Instant::now);
                return Ok(Some(frame));
            }
            if self.buf.capacity() - self.buf.len() < 4096 {
                self.buf.reserve(16 * 1024);
            }
            let deadline = limits.map(|(idle, frame)| match self.partial_since {
                Some(since) => (since + frame, ReadError::FrameTimeout(frame)),
                None => (started + idle, ReadError::Idle),
            });
            let read = self.inner.read_buf(&mut self.buf);
            let n = match deadline {
                None => read.await?,
                Some((at, late)) => match tokio::time::timeout_at(at.into(), read).await {
                    Ok(n) => n?,
                    Err(_) => return Err(late),
                },
            };
            if n == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(ReadError::Truncated)
                };
            }
            self.partial_since.get_or_insert_with(Instant::now);
        }
    }

    /// True when a whole frame is already buffered (no read needed).
    pub fn has_buffered_frame(&self) -> bool {
        matches!(frame::check(&self.buf, self.max_length), Ok(Some(_)))
    }
}
