//! Fuzzes the header checks: format sniffing, the RIFF chunk walk, the WAV format rules and the
//! symphonia probe, through the public `check_bytes`, with and without `--allow-mp3`.
#![no_main]

use acs_preflight::{check_bytes, CheckOptions, Status};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for (name, options) in [
        ("prompt.wav", CheckOptions::default()),
        ("prompt.mp3", CheckOptions::default().allow_mp3(true)),
    ] {
        let r = check_bytes(name, data, &options);
        // A failing result always says why.
        if r.status != Status::Pass {
            assert!(!r.findings.is_empty());
            assert!(r.findings.iter().all(|f| !f.message.is_empty()));
        }
    }
});
