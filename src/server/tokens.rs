//! The tokens a server accepts: read from the token file (one `role:secret`
//! a line), held only as keyed hashes, and compared in constant time.
//!
//! A presented token is hashed with this process's random key and compared
//! with every accepted token's hash, all 128 bits of each, whatever matches:
//! neither the time taken nor an early exit tells a guesser how much of a
//! secret, or of its length, was right.

use std::path::Path;

use siphasher::sip128::{Hasher128, SipHasher13};
use std::hash::Hasher;

use super::auth::Role;

/// The shortest secret accepted (README states it).
pub const SECRET_LEN_MIN: usize = 8;
/// The longest: a HELLO token is a protocol string, and a file of megabytes
/// is a mistake.
pub const SECRET_LEN_MAX: usize = 1024;
/// Most tokens one file may hold (rotation needs two per role, not thousands).
pub const TOKENS_MAX: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// Never carries the line itself: it may hold a secret.
    #[error("{path} line {line}: {reason}")]
    Line {
        path: String,
        line: usize,
        reason: &'static str,
    },
    #[error("{path}: more than {TOKENS_MAX} tokens")]
    TooMany { path: String },
    #[error("{path}: no secret in the file")]
    Empty { path: String },
}

/// Accepted tokens, as (role, keyed hash of the secret).
pub struct Tokens {
    key: (u64, u64),
    accepted: Vec<(Role, u128)>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let roles: Vec<&str> = self.accepted.iter().map(|(r, _)| r.name()).collect();
        write!(f, "Tokens({roles:?})")
    }
}

impl Tokens {
    /// No tokens: protected mode (loopback clients only).
    pub fn none() -> Tokens {
        Tokens {
            key: (rand::random(), rand::random()),
            accepted: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.accepted.is_empty()
    }

    pub fn len(&self) -> usize {
        self.accepted.len()
    }

    /// Reads a token file: `role:secret` a line; blank lines and lines
    /// starting with `#` are skipped.
    pub fn load(path: &Path) -> Result<Tokens, TokenFileError> {
        let name = path.display().to_string();
        let text = read_secret_file(path)?;
        let mut tokens = Tokens::none();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |reason| TokenFileError::Line {
                path: name.clone(),
                line: index + 1,
                reason,
            };
            let (role, secret) = line
                .split_once(':')
                .ok_or_else(|| fail("not role:secret"))?;
            let role =
                Role::parse(role).ok_or_else(|| fail("the role is not admin, redeem or read"))?;
            check_secret(secret).map_err(fail)?;
            let hash = tokens.hash(secret);
            if tokens.accepted.iter().any(|(_, h)| *h == hash) {
                return Err(fail("the same secret twice"));
            }
            if tokens.accepted.len() == TOKENS_MAX {
                return Err(TokenFileError::TooMany { path: name });
            }
            tokens.accepted.push((role, hash));
        }
        if tokens.is_empty() {
            return Err(TokenFileError::Empty { path: name });
        }
        Ok(tokens)
    }

    /// The role of the presented secret, if it is accepted, and which of
    /// the accepted secrets it is (its place among them).
    pub fn role_of(&self, presented: &str) -> Option<(Role, usize)> {
        let hash = self.hash(presented);
        let mut found = None;
        for (index, (role, accepted)) in self.accepted.iter().enumerate() {
            // Every entry is compared in full, matched or not.
            if (accepted ^ hash) == 0 {
                found = Some((*role, index));
            }
        }
        found
    }

    fn hash(&self, secret: &str) -> u128 {
        let mut h = SipHasher13::new_with_keys(self.key.0, self.key.1);
        h.write(secret.as_bytes());
        h.finish128().as_u128()
    }
}

/// Reads the secret a node presents to the others: the file's first line
/// that is neither blank nor a `#` comment.
pub fn load_peer_token(path: &Path) -> Result<String, TokenFileError> {
    let name = path.display().to_string();
    let text = read_secret_file(path)?;
    let (index, secret) = text
        .lines()
        .map(str::trim)
        .enumerate()
        .find(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .ok_or(TokenFileError::Empty { path: name.clone() })?;
    check_secret(secret).map_err(|reason| TokenFileError::Line {
        path: name,
        line: index + 1,
        reason,
    })?;
    Ok(secret.to_string())
}

fn read_secret_file(path: &Path) -> Result<String, TokenFileError> {
    let read = |source| TokenFileError::Read {
        path: path.display().to_string(),
        source,
    };
    let length = std::fs::metadata(path).map_err(read)?.len();
    // Bounded before reading: TOKENS_MAX lines of the longest secret.
    let length_max = (TOKENS_MAX * (SECRET_LEN_MAX + 16)) as u64;
    if length > length_max {
        return Err(read(std::io::Error::other(format!(
            "{length} bytes; a token file holds at most {length_max}"
        ))));
    }
    std::fs::read_to_string(path).map_err(read)
}

fn check_secret(secret: &str) -> Result<(), &'static str> {
    if secret.chars().count() < SECRET_LEN_MIN {
        return Err("a secret has at least 8 characters");
    }
    if secret.len() > SECRET_LEN_MAX {
        return Err("a secret has at most 1024 bytes");
    }
    if secret.chars().any(char::is_whitespace) {
        return Err("a secret has no spaces");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("tokens");
        std::fs::write(&path, text).expect("writing the token file");
        (dir, path)
    }

    #[test]
    fn a_token_file_gives_each_secret_its_role() {
        let (_dir, path) = file(
            "# rotation: two admin secrets\nadmin:aaaaaaaa\n\n admin:bbbbbbbb \nread:rrrrrrrr\n",
        );
        let tokens = Tokens::load(&path).expect("valid file");
        assert_eq!(tokens.len(), 3);
        assert_eq!(tokens.role_of("aaaaaaaa"), Some((Role::Admin, 0)));
        assert_eq!(tokens.role_of("bbbbbbbb"), Some((Role::Admin, 1)));
        assert_eq!(tokens.role_of("rrrrrrrr"), Some((Role::Read, 2)));
        assert_eq!(tokens.role_of("rrrrrrr"), None);
        assert_eq!(tokens.role_of("rrrrrrrrr"), None);
        assert_eq!(tokens.role_of(""), None);
    }

    #[test]
    fn a_bad_line_is_named_without_its_secret() {
        for (text, reason) in [
            ("admin:short", "at least 8"),
            ("boss:longenough", "not admin, redeem or read"),
            ("longenough", "not role:secret"),
            ("read:same-secret\nadmin:same-secret", "twice"),
            ("read:has a space", "no spaces"),
        ] {
            let (_dir, path) = file(text);
            let e = Tokens::load(&path).expect_err(text).to_string();
            assert!(e.contains(reason), "{text}: {e}");
            assert!(
                !e.contains("longenough") && !e.contains("same-secret"),
                "{e}"
            );
        }
        let (_dir, path) = file("# nothing\n\n");
        assert!(matches!(
            Tokens::load(&path),
            Err(TokenFileError::Empty { .. })
        ));
    }

    #[test]
    fn the_peer_token_is_the_first_secret_line() {
        let (_dir, path) = file("# node secret\n\n  peer-secret-1  \nignored-line\n");
        assert_eq!(load_peer_token(&path).expect("valid"), "peer-secret-1");
        let (_dir, path) = file("short\n");
        assert!(load_peer_token(&path).is_err());
    }

    #[test]
    fn debug_shows_roles_never_hashes() {
        let (_dir, path) = file("admin:aaaaaaaa\n");
        let tokens = Tokens::load(&path).expect("valid");
        assert_eq!(format!("{tokens:?}"), "Tokens([\"admin\"])");
    }
}
