//! Walking folders and scanning in parallel.

use std::fs;
use std::path::Path;

use acs_preflight::{check_paths, CheckOptions, Rule, Scan, ScanError, ScanEvent, Status};

use crate::support::*;

/// A folder of `n` prompts of mixed kinds, some nested.
pub fn mixed_folder(root: &Path, n: usize) {
    for i in 0..n {
        let sub = root.join(format!("group-{}", i % 7));
        fs::create_dir_all(&sub).unwrap();
        let (name, bytes) = match i % 6 {
            0 => (format!("p{i:04}.wav"), valid(200 + i)),
            1 => (format!("p{i:04}.wav"), wav_int(44_100, 1, 16, 100)),
            2 => (format!("p{i:04}.wav"), wav_int(16_000, 2, 16, 100)),
            3 => (format!("p{i:04}.mp3"), mp3(true, 3)),
            4 => (format!("p{i:04}.wav"), truncated(&valid(500), 300)),
            _ => (format!("p{i:04}.wav"), to_extensible(&valid(100), 1)),
        };
        fs::write(sub.join(name), bytes).unwrap();
    }
}

#[test]
fn parallel_and_sequential_scans_agree() {
    let dir = tempfile::tempdir().unwrap();
    mixed_folder(dir.path(), 300);
    let one = check_paths(&[dir.path()], &CheckOptions::default().jobs(1)).unwrap();
    let many = check_paths(&[dir.path()], &CheckOptions::default().jobs(8)).unwrap();
    assert_eq!(one.summary.checked, 300);
    assert_eq!(one, many);
    // Sorted by path within the folder.
    let inputs: Vec<&str> = one.results.iter().map(|r| r.input.as_str()).collect();
    let mut sorted = inputs.clone();
    sorted.sort();
    assert_eq!(inputs, sorted);
    assert_eq!(
        (one.summary.passed, one.summary.warned, one.summary.failed),
        (50, 50, 200)
    );
}

#[test]
fn folders_hold_audio_files_only_but_named_files_are_always_checked() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.wav"), valid(10)).unwrap();
    fs::write(dir.path().join("B.WAV"), valid(10)).unwrap();
    fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    fs::write(dir.path().join("prompt.bin"), valid(10)).unwrap();
    let report = check_paths(&[dir.path()], &CheckOptions::default()).unwrap();
    let names: Vec<String> = report.results.iter().map(|r| file_name(&r.input)).collect();
    assert_eq!(names, vec!["B.WAV", "a.wav"]);

    let named = dir.path().join("prompt.bin");
    let report = check_paths(&[&named, &named], &CheckOptions::default()).unwrap();
    assert_eq!(
        report.summary.checked, 1,
        "a path given twice is checked once"
    );
    assert_eq!(report.results[0].status, Status::Pass);
}

#[test]
fn inputs_keep_their_order_and_missing_ones_are_findings() {
    let dir = tempfile::tempdir().unwrap();
    let z = dir.path().join("z.wav");
    let a = dir.path().join("a.wav");
    fs::write(&z, valid(10)).unwrap();
    fs::write(&a, valid(10)).unwrap();
    let missing = dir.path().join("nope.wav");
    let report = check_paths(&[&z, &missing, &a], &CheckOptions::default()).unwrap();
    let rules: Vec<Vec<Rule>> = report.results.iter().map(|r| r.rules()).collect();
    assert_eq!(rules, vec![vec![], vec![Rule::Unreadable], vec![]]);
    assert!(report.results[0].input.ends_with("z.wav"));
    assert!(!report.is_ok());
}

#[test]
fn setup_problems_are_errors() {
    let none: [&str; 0] = [];
    assert!(matches!(
        check_paths(&none, &CheckOptions::default()),
        Err(ScanError::NoInputs)
    ));
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("readme.txt"), "x").unwrap();
    let err = check_paths(&[dir.path()], &CheckOptions::default()).unwrap_err();
    assert!(matches!(err, ScanError::NothingFound(_)));
    assert!(err.to_string().starts_with("no prompt files found in "));
}

#[cfg(unix)]
#[test]
fn fifos_sockets_and_symlink_loops_do_not_stop_the_scan() {
    use std::os::unix::fs::symlink;
    use std::os::unix::net::UnixListener;
    use std::process::Command;

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("good.wav"), valid(10)).unwrap();
    let fifo = root.join("pipe.wav");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let _sock = UnixListener::bind(root.join("sock.wav")).unwrap();
    fs::create_dir(root.join("sub")).unwrap();
    symlink(root, root.join("sub").join("loop")).unwrap();
    symlink(root.join("gone.wav"), root.join("broken.wav")).unwrap();

    let report = check_paths(&[root], &CheckOptions::default()).unwrap();
    let summary: Vec<(String, Vec<Rule>)> = report
        .results
        .iter()
        .map(|r| {
            (
                r.input
                    .strip_prefix(&*root.to_string_lossy())
                    .unwrap()
                    .to_owned(),
                r.rules(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("/broken.wav".to_owned(), vec![Rule::Unreadable]),
            ("/good.wav".to_owned(), vec![]),
        ]
    );
    assert!(report.results[0].findings[0]
        .message
        .contains("broken symlink"));

    // Named directly, a FIFO is reported without being opened (opening would block).
    let report = check_paths(&[&fifo], &CheckOptions::default()).unwrap();
    assert_eq!(report.results[0].rules(), vec![Rule::Unreadable]);
    assert!(report.results[0].findings[0].message.contains("a FIFO"));
}

#[cfg(unix)]
#[test]
fn non_utf8_names_are_escaped_losslessly() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = OsStr::from_bytes(b"caf\xE9.wav");
    fs::write(dir.path().join(name), valid(10)).unwrap();
    let report = check_paths(&[dir.path()], &CheckOptions::default()).unwrap();
    assert!(
        report.results[0].input.ends_with("/caf\\xE9.wav"),
        "{}",
        report.results[0].input
    );
}

#[test]
fn a_huge_prompt_costs_only_its_header() {
    // A sparse 3 GiB file with a valid header: only the header is read, so this is instant and
    // the verdict comes from the header and the length.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.wav");
    let mut header = valid(0);
    let data_len: u64 = 3 << 30;
    let data = find_chunk(&header, b"data");
    // 3 GiB of samples does not fit a u32 RIFF size: it is the 0xFFFFFFFF streaming case.
    set_u32(&mut header, 4, u32::MAX);
    set_u32(&mut header, data + 4, u32::MAX);
    fs::write(&path, &header).unwrap();
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(header.len() as u64 + data_len)
        .unwrap();
    let r = acs_preflight::check_file(&path, &CheckOptions::default());
    assert_eq!(
        r.rules(),
        vec![Rule::HeaderInconsistent, Rule::HeaderInconsistent]
    );
    let audio = r.audio.unwrap();
    assert_eq!(audio.duration_ms, Some(data_len * 1000 / 32_000));
    assert_eq!(audio.size_bytes, Some(44 + data_len));
}

#[test]
fn scan_reports_each_result_once_to_the_callback() {
    let dir = tempfile::tempdir().unwrap();
    mixed_folder(dir.path(), 40);
    let scan = Scan::new(&[dir.path()], CheckOptions::default().jobs(3)).unwrap();
    let found = std::sync::atomic::AtomicUsize::new(0);
    let seen = std::sync::Mutex::new(Vec::new());
    let report = scan
        .run(|event| match event {
            ScanEvent::Found => {
                found.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            ScanEvent::Checked(r) => seen.lock().unwrap().push(r.input.clone()),
            ScanEvent::Skipped(s) => panic!("nothing to skip: {s:?}"),
            other => panic!("nothing to ignore: {other:?}"),
        })
        .unwrap();
    assert_eq!(found.into_inner(), 40);
    let mut seen = seen.into_inner().unwrap();
    seen.sort();
    let mut inputs: Vec<String> = report.results.iter().map(|r| r.input.clone()).collect();
    inputs.sort();
    assert_eq!(seen, inputs);
}

/// What the walk passes over comes as data, in walk order, with the reason; the summary counts
/// it, the same for any thread count and in the streamed run.
#[test]
fn the_walk_reports_what_it_skipped_and_excluded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("drafts")).unwrap();
    fs::create_dir_all(root.join("live")).unwrap();
    fs::write(root.join("drafts/a.wav"), valid(100)).unwrap();
    fs::write(root.join("drafts/b.wav"), valid(100)).unwrap();
    fs::write(root.join("live/notes.txt"), "x").unwrap();
    fs::write(root.join("live/old.wav"), valid(100)).unwrap();
    fs::write(root.join("live/ok.wav"), valid(100)).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root, root.join("live/up")).unwrap();
    let options = CheckOptions::default().exclude(["drafts", "old.*", "*.bak"]);
    for jobs in [1, 4] {
        let seen = std::sync::Mutex::new(Vec::new());
        let report = Scan::new(&[root], options.clone().jobs(jobs))
            .unwrap()
            .run(|event| {
                if let ScanEvent::Skipped(s) = event {
                    let rel = s.path.strip_prefix(root).unwrap().display().to_string();
                    seen.lock().unwrap().push((rel, s.reason.to_string()));
                }
            })
            .unwrap();
        let mut expected = vec![
            ("drafts".to_owned(), "matches drafts".to_owned()),
            (
                "live/notes.txt".to_owned(),
                "not an audio file extension".to_owned(),
            ),
            ("live/old.wav".to_owned(), "matches old.*".to_owned()),
        ];
        if cfg!(unix) {
            expected.push((
                "live/up".to_owned(),
                "a link back into a folder being walked".to_owned(),
            ));
        }
        assert_eq!(seen.into_inner().unwrap(), expected, "jobs {jobs}");
        assert_eq!(report.summary.checked, 1);
        assert_eq!(report.summary.excluded, 2);
        assert_eq!(report.summary.skipped, expected.len() - 2);
        let streamed = Scan::new(&[root], options.clone().jobs(jobs))
            .unwrap()
            .run_into(|_| {}, &mut |_| {})
            .unwrap();
        assert_eq!(streamed, report.summary);
    }
}

/// The workers take chunks of files (1, 2, 4, ... up to 64) and hand back whole chunks; the
/// results come back in walk order, the same for every thread count, kept or streamed.
#[test]
fn chunked_workers_give_the_same_results_for_any_job_count() {
    let dir = tempfile::tempdir().unwrap();
    mixed_folder(dir.path(), 400);
    let one = check_paths(&[dir.path()], &CheckOptions::default().jobs(1)).unwrap();
    assert_eq!(one.summary.checked, 400);
    for jobs in [2, 3, 8, 64, 1024] {
        let options = CheckOptions::default().jobs(jobs);
        let many = check_paths(&[dir.path()], &options).unwrap();
        assert_eq!(one, many, "jobs {jobs}");
        let mut streamed = Vec::new();
        let summary = Scan::new(&[dir.path()], options)
            .unwrap()
            .run_into(|_| {}, &mut |r| streamed.push(r))
            .unwrap();
        assert_eq!(streamed, one.results, "jobs {jobs}, streamed");
        assert_eq!(summary, one.summary, "jobs {jobs}, streamed");
    }
}

/// `--jobs 1024` on two files starts a thread or two, not 1024: a worker starts only when a
/// chunk is handed over and no worker is free.
#[cfg(target_os = "linux")]
#[test]
fn many_jobs_on_few_files_start_few_threads() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.wav"), valid(100)).unwrap();
    fs::write(dir.path().join("b.wav"), valid(100)).unwrap();
    let threads = || -> usize {
        let status = fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("Threads:")).unwrap();
        line["Threads:".len()..].trim().parse().unwrap()
    };
    let most = std::sync::atomic::AtomicUsize::new(0);
    let report = Scan::new(&[dir.path()], CheckOptions::default().jobs(1024))
        .unwrap()
        .run(|event| {
            if let ScanEvent::Checked(_) = event {
                most.fetch_max(threads(), std::sync::atomic::Ordering::Relaxed);
            }
        })
        .unwrap();
    assert_eq!(report.summary.checked, 2);
    // This test binary runs other tests on threads of its own at the same time: the bound
    // leaves room for them, far below the 1024 a full pool would start.
    let most = most.into_inner();
    assert!(most > 0 && most < 200, "{most} threads while checking");
}

/// A sink that panics stops the run with its panic: the workers empty the queue without checking
/// more, so the walk never waits forever on a queue no one takes from.
#[test]
fn a_panicking_sink_ends_the_scan_with_its_panic() {
    let dir = tempfile::tempdir().unwrap();
    // Under --deep chunks hold 4 files: 600 files are more chunks than the queue holds.
    mixed_folder(dir.path(), 600);
    let scan = Scan::new(&[dir.path()], CheckOptions::default().deep(true).jobs(4)).unwrap();
    // Slow checks, so the walk fills the queue and waits on it before the sink gives up.
    let slow = |event: ScanEvent<'_>| {
        if let ScanEvent::Checked(_) = event {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    };
    let mut taken = 0;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        scan.run_into(slow, &mut |_| {
            taken += 1;
            if taken == 50 {
                panic!("sink gave up");
            }
        })
    }));
    let panic = outcome.unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"sink gave up"));
}
