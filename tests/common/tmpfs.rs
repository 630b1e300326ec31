//! A full disk on demand: a small tmpfs mounted on a temp directory (the
//! tests run as root), and a ballast file that fills it but for a few MiB.

use std::io::Write;
use std::path::Path;
use std::process::Command;

/// Room left on the file system once the ballast is in place.
pub const HEADROOM_BYTES: u64 = 3 << 20;

/// A tmpfs mounted on a temp directory, unmounted when dropped (also when
/// the test panics). Declare it before the server, so the server (which
/// holds files on it) is dropped, and killed, first.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    pub fn mount(size_mib: u64) -> Tmpfs {
        let dir = tempfile::tempdir().expect("mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_mib}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("running mount");
        assert!(status.success(), "mounting a tmpfs needs root");
        Tmpfs { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(self.dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            // Still busy (a process not yet reaped): detach it now, it goes
            // once the last file on it is closed.
            let _ = Command::new("umount")
                .arg("-l")
                .arg(self.dir.path())
                .status();
        }
    }
}

/// Fills the file system of `path` with one file until it is full, then
/// shrinks it so that `HEADROOM_BYTES` are left free.
pub fn fill_leaving_headroom(path: &Path) {
    let mut file = std::fs::File::create(path).expect("ballast file");
    let chunk = vec![0xa5u8; 1 << 20];
    let mut written: u64 = 0;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("writing the ballast: {e}"),
        }
    }
    let _ = file.sync_all();
    file.set_len(written.saturating_sub(HEADROOM_BYTES))
        .expect("shrinking the ballast");
    file.sync_all().expect("syncing the ballast");
}
