//! Showing paths losslessly: valid UTF-8 as is, any other byte as `\xNN`.

use std::path::Path;

/// The path as text, with bytes that are not UTF-8 escaped as `\xNN` so nothing is lost or
/// replaced by U+FFFD.
pub fn path_to_string(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        if let Ok(s) = std::str::from_utf8(bytes) {
            return s.to_owned();
        }
        let mut out = String::with_capacity(bytes.len());
        for chunk in bytes.utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02X}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_paths_are_unchanged() {
        assert_eq!(
            path_to_string(Path::new("prompts/ünïcode.wav")),
            "prompts/ünïcode.wav"
        );
    }

    #[cfg(unix)]
    #[test]
    fn other_bytes_are_escaped() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(OsStr::from_bytes(b"a/\xFFb\xC3.wav"));
        assert_eq!(path_to_string(p), "a/\\xFFb\\xC3.wav");
    }
}
