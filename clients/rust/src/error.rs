use crate::wire::ErrorCode;

/// What a call can fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The server refused or failed the request with a typed code.
    #[error("{code}: {message}")]
    Server {
        code: ErrorCode,
        message: String,
        /// With NOT_LEADER: the leader's address.
        leader: String,
    },
    #[error("connection failed: {0}")]
    Io(String),
    /// The TLS handshake failed (an untrusted certificate, a wrong name, a
    /// server without TLS).
    #[error("TLS: {0}")]
    Tls(String),
    #[error("connection closed")]
    Disconnected,
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("timed out")]
    Timeout,
    /// The request would not fit in a frame the server accepts; it was not sent.
    #[error("FRAME_TOO_LARGE: the request is {length} bytes, over the server's maximum of {max}")]
    TooLarge { length: usize, max: u32 },
}

impl ClientError {
    /// The server's error code, if the server answered with one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Server { code, .. } => Some(*code),
            ClientError::TooLarge { .. } => Some(ErrorCode::FrameTooLarge),
            _ => None,
        }
    }
}

impl From<std::io::Error> for ClientError {
    fn from(e: std::io::Error) -> Self {
        ClientError::Io(e.to_string())
    }
}
