//! One outbound HTTP client: `HttpClient::post(url, headers, body, timeout)`
//! answers the response's status or a typed error. HTTP/1.1 over TCP, or over
//! TLS (rustls, trusting the Mozilla roots of `webpki-roots`) for `https://`.
//! Connections are kept alive and reused: at most `IDLE_PER_ORIGIN_MAX` idle
//! ones per (scheme, host, port). A response body is read and dropped, at
//! most `RESPONSE_BYTES_MAX` of it (a longer one closes its connection).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::Uri;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The longest URL accepted, in bytes.
pub const URL_BYTES_MAX: usize = 2048;

/// Idle connections kept per origin.
const IDLE_PER_ORIGIN_MAX: usize = 4;

/// The most response body bytes read before the connection is given up.
const RESPONSE_BYTES_MAX: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("invalid URL: {0}")]
    Url(String),
    #[error("connect: {0}")]
    Connect(std::io::Error),
    #[error("TLS: {0}")]
    Tls(std::io::Error),
    #[error("invalid header {0}")]
    Header(String),
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    #[error("no response within {0} ms")]
    Timeout(u64),
}

/// Where a URL points: checked once, before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub https: bool,
    /// As written in the URL, without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// What the `Host` header says.
    authority: String,
    path_and_query: String,
}

impl Target {
    /// Parses an absolute `http://` or `https://` URL of at most
    /// `URL_BYTES_MAX` bytes with a host.
    pub fn parse(url: &str) -> Result<Target, HttpError> {
        if url.len() > URL_BYTES_MAX {
            return Err(HttpError::Url(format!(
                "{} bytes, more than {URL_BYTES_MAX}",
                url.len()
            )));
        }
        let uri: Uri = url
            .parse()
            .map_err(|e: hyper::http::uri::InvalidUri| HttpError::Url(e.to_string()))?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(HttpError::Url("the scheme must be http or https".into())),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| HttpError::Url("no host".into()))?;
        if authority.as_str().contains('@') {
            return Err(HttpError::Url(
                "credentials in the URL are not supported".into(),
            ));
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if host.is_empty() {
            return Err(HttpError::Url("no host".into()));
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let path_and_query = uri
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
        Ok(Target {
            https,
            host: host.to_string(),
            port,
            authority: authority.as_str().to_string(),
            path_and_query,
        })
    }

    fn origin(&self) -> (bool, String, u16) {
        (self.https, self.host.clone(), self.port)
    }
}

type Sender = SendRequest<Full<Bytes>>;

pub struct HttpClient {
    tls: tokio_rustls::TlsConnector,
    idle: Mutex<HashMap<(bool, String, u16), Vec<Sender>>>,
}

impl Default for HttpClient {
    fn default() -> Self {
        let roots =
            rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        HttpClient::with_roots(roots)
    }
}

impl HttpClient {
    /// A client that trusts `roots` for `https://` (tests: their own CA).
    pub fn with_roots(roots: rustls::RootCertStore) -> HttpClient {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("the aws-lc-rs provider supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        HttpClient {
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
            idle: Mutex::default(),
        }
    }

    /// POSTs `body` to `url` with `headers` and answers the status, all
    /// within `timeout` (connecting, sending and reading the response).
    pub async fn post(
        &self,
        url: &Target,
        headers: &[(&str, &str)],
        body: Bytes,
        timeout: Duration,
    ) -> Result<u16, HttpError> {
        let timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        tokio::time::timeout(timeout, self.exchange(url, headers, body))
            .await
            .map_err(|_| HttpError::Timeout(timeout_ms))?
    }

    async fn exchange(
        &self,
        url: &Target,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<u16, HttpError> {
        let mut builder = hyper::Request::post(url.path_and_query.as_str())
            .header(hyper::header::HOST, url.authority.as_str());
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder
            .body(Full::new(body))
            .map_err(|e| HttpError::Header(e.to_string()))?;
        let mut sender = match self.idle_sender(url) {
            Some(sender) => sender,
            None => self.connect(url).await?,
        };
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        let mut read = 0usize;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                read += data.len();
                if read > RESPONSE_BYTES_MAX {
                    // Not worth reading on: the connection goes with it.
                    return Ok(status);
                }
            }
        }
        self.keep_idle(url, sender);
        Ok(status)
    }

    /// An idle connection to the origin that can take a request now.
    fn idle_sender(&self, url: &Target) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let senders = idle.get_mut(&url.origin())?;
        while let Some(sender) = senders.pop() {
            if sender.is_ready() {
                return Some(sender);
            }
        }
        None
    }

    fn keep_idle(&self, url: &Target, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let senders = idle.entry(url.origin()).or_default();
        if senders.len() < IDLE_PER_ORIGIN_MAX {
            senders.push(sender);
        }
    }

    async fn connect(&self, url: &Target) -> Result<Sender, HttpError> {
        let tcp = TcpStream::connect((url.host.as_str(), url.port))
            .await
            .map_err(HttpError::Connect)?;
        // Requests are small and answered one at a time: send at once.
        let _ = tcp.set_nodelay(true);
        if url.https {
            let name = rustls::pki_types::ServerName::try_from(url.host.clone())
                .map_err(|e| HttpError::Url(e.to_string()))?;
            let tls = self.tls.connect(name, tcp).await.map_err(HttpError::Tls)?;
            handshake(TokioIo::new(tls)).await
        } else {
            handshake(TokioIo::new(tcp)).await
        }
    }
}

/// HTTP/1.1 on a connected stream; the connection is driven by its own task
/// until its sender is dropped or the peer closes it.
async fn handshake<T>(io: TokioIo<T>) -> Result<Sender, HttpError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(async move {
        // Its end (closed, reset) shows in the sender: nothing to report here.
        let _ = connection.await;
    });
    Ok(sender)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_can_post_to() {
        let t = Target::parse("https://hooks.example.com/in?x=1").expect("valid");
        assert!(t.https);
        assert_eq!((t.host.as_str(), t.port), ("hooks.example.com", 443));
        assert_eq!(t.path_and_query, "/in?x=1");
        let t = Target::parse("http://[::1]:8080").expect("valid");
        assert_eq!((t.host.as_str(), t.port), ("::1", 8080));
        assert_eq!(t.path_and_query, "/");
        assert_eq!(t.authority, "[::1]:8080");
        for bad in [
            "ftp://example.com/",
            "example.com/hook",
            "/hook",
            "http://user:pw@example.com/",
            "",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
        let long = format!("http://example.com/{}", "a".repeat(URL_BYTES_MAX));
        assert!(matches!(Target::parse(&long), Err(HttpError::Url(_))));
    }

    /// A loopback server that reads two requests on one connection and
    /// answers 204 then 500: both statuses come back, the second over the
    /// kept-alive connection, and a closed port is a connect error.
    #[tokio::test]
    async fn posts_and_reuses_the_connection() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut seen = Vec::new();
            for status in ["204 No Content", "500 Internal Server Error"] {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Headers, then the 7-byte body.
                while !request.ends_with(b"\r\n\r\n{\"a\":1}") {
                    let n = socket.read(&mut buf).await.expect("read");
                    assert!(n > 0, "the client closed the connection");
                    request.extend_from_slice(&buf[..n]);
                }
                seen.push(String::from_utf8_lossy(&request).to_string());
                let reply = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
                socket.write_all(reply.as_bytes()).await.expect("write");
            }
            seen
        });
        let client = HttpClient::default();
        let url = Target::parse(&format!("http://{addr}/hook")).expect("valid");
        let headers = [("content-type", "application/json"), ("x-id", "7")];
        let body = Bytes::from_static(b"{\"a\":1}");
        let timeout = Duration::from_secs(5);
        let first = client.post(&url, &headers, body.clone(), timeout).await;
        assert_eq!(first.expect("answered"), 204);
        let second = client.post(&url, &headers, body.clone(), timeout).await;
        assert_eq!(second.expect("answered"), 500);
        let seen = server.await.expect("server");
        assert!(
            seen[0].starts_with("POST /hook HTTP/1.1\r\n"),
            "{}",
            seen[0]
        );
        assert!(seen[0].contains("x-id: 7\r\n"), "{}", seen[0]);
        let closed = Target::parse(&format!("http://{addr}/hook")).expect("valid");
        let refused = client.post(&closed, &headers, body, timeout).await;
        assert!(
            matches!(
                refused,
                Err(HttpError::Connect(_)) | Err(HttpError::Http(_))
            ),
            "{refused:?}"
        );
    }
}
