//! Files written whole or not at all: a temporary file beside the target, then a rename.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename; an existing file keeps its permissions.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write(path, bytes, false)
}

/// Like [`write_atomic`], but a new file is readable by its owner only: for
/// files that may hold tokens (agents' configs).
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write(path, bytes, true)
}

fn write(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.headroom-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        match std::fs::metadata(path) {
            Ok(meta) => std::fs::set_permissions(&tmp, meta.permissions())?,
            Err(_) if private => std::fs::set_permissions(&tmp, owner_only(f.metadata()?))?,
            Err(_) => (),
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(unix)]
fn owner_only(meta: std::fs::Metadata) -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    let mut p = meta.permissions();
    p.set_mode(0o600);
    p
}

#[cfg(not(unix))]
fn owner_only(meta: std::fs::Metadata) -> std::fs::Permissions {
    meta.permissions()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn private_files_are_new_owner_only_and_existing_keep_their_mode() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("config.json");
        write_atomic_private(&new, b"{}").unwrap();
        assert_eq!(mode(&new), 0o600);

        let shared = dir.path().join("shared.toml");
        std::fs::write(&shared, "a = 1\n").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_atomic_private(&shared, b"a = 2\n").unwrap();
        assert_eq!(mode(&shared), 0o644);
        assert_eq!(std::fs::read(&shared).unwrap(), b"a = 2\n");
        // Nothing is left beside the target.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 2);
    }
}
