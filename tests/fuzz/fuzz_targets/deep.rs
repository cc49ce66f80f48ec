//! Fuzzes `check --deep`: arbitrary bytes written to a file and read to the end, 16-bit PCM by our
//! own sample reader and loudness meter, everything else through symphonia's decoders. Levels are
//! finite, and a failing result says why.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use acs_preflight::{check_file, CheckOptions, Status};
use libfuzzer_sys::fuzz_target;

/// One scratch folder per fuzzing process (the input is rewritten for every run).
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("acs-preflight-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let options = CheckOptions::default().deep(true).allow_mp3(true);
    for name in ["prompt.wav", "prompt.mp3"] {
        let path = scratch().join(name);
        std::fs::write(&path, data).unwrap();
        let r = check_file(&path, &options);
        if r.status != Status::Pass {
            assert!(!r.findings.is_empty());
            assert!(r.findings.iter().all(|f| !f.message.is_empty()));
        }
        if let Some(a) = &r.audio {
            for level in [a.peak_dbfs, a.rms_dbfs, a.loudness_lufs].into_iter().flatten() {
                assert!(level.is_finite(), "{a:?}");
            }
        }
    }
});
