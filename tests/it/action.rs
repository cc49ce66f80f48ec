//! The GitHub Action (action.yml) and the workflows in .github/workflows: inputs reach scripts
//! only through env, the action's check step runs the real binary with every flag it can pass,
//! and the example workflow's steps give the exit status the workflow expects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

use crate::support::{truncated, valid};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load(path: &Path) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap();
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .remove(0)
}

fn action() -> Yaml {
    load(&root().join("action.yml"))
}

fn workflows() -> Vec<(PathBuf, Yaml)> {
    let mut out: Vec<(PathBuf, Yaml)> = std::fs::read_dir(root().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .map(|p| {
            let doc = load(&p);
            (p, doc)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 2, "the example workflow and release.yml");
    out
}

/// Every step of the action and of every job of the workflows, with where it is.
fn all_steps() -> Vec<(String, Yaml)> {
    let mut out: Vec<(String, Yaml)> = action()["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|s| ("action.yml".to_owned(), s.clone()))
        .collect();
    for (path, doc) in workflows() {
        for (job, body) in doc["jobs"].as_hash().unwrap() {
            for step in body["steps"].as_vec().unwrap() {
                out.push((
                    format!("{}: {}", path.display(), job.as_str().unwrap()),
                    step.clone(),
                ));
            }
        }
    }
    out
}

/// The action's inputs and their defaults.
fn declared_inputs() -> BTreeMap<String, String> {
    action()["inputs"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let default = match &v["default"] {
                Yaml::String(s) | Yaml::Real(s) => s.clone(),
                Yaml::Integer(i) => i.to_string(),
                other => panic!("{k:?}: a default is required, got {other:?}"),
            };
            (k.as_str().unwrap().to_owned(), default)
        })
        .collect()
}

#[test]
fn no_script_interpolates_an_expression() {
    let mut runs = 0;
    for (at, step) in all_steps() {
        if let Some(script) = step["run"].as_str() {
            runs += 1;
            // Inputs, matrix values and event fields reach a script through env only.
            assert!(
                !script.contains("${{"),
                "{at}: an expression in run:\n{script}"
            );
        }
    }
    assert!(runs >= 4, "{runs}");
    // And the check step's env is where every input goes, each declared.
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let declared = declared_inputs();
    let used = regex::Regex::new(r"\$\{\{\s*inputs\.([a-z-]+)\s*\}\}").unwrap();
    let used: Vec<&str> = used
        .captures_iter(&text)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    for name in &used {
        assert!(
            declared.contains_key(*name),
            "inputs.{name} is not declared"
        );
    }
    for name in declared.keys() {
        assert!(used.contains(&name.as_str()), "input {name} is never used");
    }
}

#[test]
fn action_default_version_is_the_crates() {
    assert_eq!(declared_inputs()["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn third_party_actions_are_pinned_to_commits() {
    let pinned =
        regex::Regex::new(r"^\s*(- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
            .unwrap();
    let mut files = vec![root().join("action.yml")];
    files.extend(workflows().into_iter().map(|(p, _)| p));
    let mut seen = 0;
    for path in files {
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            if line
                .trim_start()
                .trim_start_matches("- ")
                .starts_with("uses:")
                && !line.trim_end().ends_with("uses: ./")
            {
                seen += 1;
                assert!(pinned.is_match(line), "{}: {line}", path.display());
            }
        }
    }
    assert!(seen >= 8, "{seen}");
}

/// What one run of the action's check step gave.
struct StepRun {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    output: String,
}

/// Runs the action's `check` step as the runner does (bash -eo pipefail, its env mapped from
/// the inputs), with the binary under test as the installed `acs-preflight`.
fn run_check_step(inputs: &[(&str, &str)], cwd: &Path) -> StepRun {
    let mut values = declared_inputs();
    for (k, v) in inputs {
        assert!(values.contains_key(*k), "no input {k}");
        values.insert((*k).to_owned(), (*v).to_owned());
    }
    let action = action();
    let step = action["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| s["id"].as_str() == Some("check"))
        .unwrap()
        .clone();
    let files = tempfile::tempdir().unwrap();
    let summary = files.path().join("step_summary");
    let output = files.path().join("output");
    std::fs::write(&summary, "").unwrap();
    std::fs::write(&output, "").unwrap();
    let mut c = Command::new("bash");
    c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(step["run"].as_str().unwrap())
        .current_dir(cwd)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .env_remove("NO_COLOR");
    for (k, v) in step["env"].as_hash().unwrap() {
        let v = v.as_str().unwrap();
        let value = if v == "${{ steps.install.outputs.exe }}" {
            env!("CARGO_BIN_EXE_acs-preflight").to_owned()
        } else {
            let name = v
                .strip_prefix("${{ inputs.")
                .and_then(|v| v.strip_suffix(" }}"))
                .unwrap_or_else(|| panic!("{v}"));
            values[name].clone()
        };
        c.env(k.as_str().unwrap(), value);
    }
    let out = c.output().unwrap();
    StepRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        summary: std::fs::read_to_string(&summary).unwrap(),
        output: std::fs::read_to_string(&output).unwrap(),
    }
}

/// Whether the action accepts these `with:` values: each names an input, and the command line
/// the check step builds from them parses (run with `--help` added, in an empty folder). For
/// recipes that use the action, as the README's.
pub(crate) fn action_accepts(with: &[(&str, &str)]) -> bool {
    let declared = declared_inputs();
    if with
        .iter()
        .any(|(k, _)| !declared.contains_key(*k) || *k == "args")
    {
        return false;
    }
    let mut with = with.to_vec();
    with.push(("args", "--help"));
    let dir = tempfile::tempdir().unwrap();
    let run = run_check_step(&with, dir.path());
    run.code == 0 && run.stdout.contains("Usage: acs-preflight check")
}

#[test]
fn action_passes_every_input_as_a_flag_the_binary_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("prompts")).unwrap();
    std::fs::write(d.join("prompts/ok.wav"), valid(1600)).unwrap();
    std::fs::write(d.join("urls.txt"), "# no URLs yet\n\n").unwrap();
    std::fs::write(
        d.join("appsettings.json"),
        "{\"Prompt\": \"prompts/ok.wav\"}\n",
    )
    .unwrap();
    std::fs::write(d.join("settings.toml"), "allow_mp3 = true\n").unwrap();
    let run = run_check_step(
        &[
            ("paths", "prompts\n"),
            ("urls-from", "urls.txt"),
            ("extract-from", "appsettings.json\n\n"),
            ("format", "github"),
            ("fail-on", "warning"),
            ("config", "settings.toml"),
            ("sarif", "reports/acs-preflight.sarif"),
            ("args", "--action\nrecognize\n--sas-min-days=3"),
        ],
        d,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.output, "exit-code=0\n");
    assert!(
        run.stdout.starts_with("acs-preflight: checked 1 input"),
        "{}",
        run.stdout
    );
    // The job summary is the markdown report of the same run.
    assert!(
        run.summary.starts_with("### acs-preflight: ✅ passed"),
        "{}",
        run.summary
    );
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("reports/acs-preflight.sarif")).unwrap(),
    )
    .unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 0);

    // Bad values are the tool's usage errors (exit 2), passed through.
    for bad in [("fail-on", "never"), ("format", "xml"), ("summary", "yes")] {
        let run = run_check_step(&[("paths", "prompts"), bad], d);
        assert_eq!(run.code, 2, "{bad:?}: {}", run.stderr);
    }
    let run = run_check_step(&[("paths", "prompts"), ("summary", "false")], d);
    assert_eq!((run.code, run.summary.as_str()), (0, ""), "{}", run.stderr);

    let recipe = [
        ("paths", "prompts"),
        ("extract-from", "src/appsettings.json"),
        ("sarif", "acs-preflight.sarif"),
    ];
    assert!(action_accepts(&recipe));
    assert!(!action_accepts(&[("format", "xml")]));
    assert!(!action_accepts(&[("no-such-input", "x")]));
}

#[test]
fn action_list_inputs_are_one_argument_per_line_never_expanded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let broken = truncated(&valid(1600), 200);
    // Names that a shell would split, expand or run, and one that looks like a flag.
    let odd = "my prompts $(touch pwned) `touch pwned` *";
    std::fs::create_dir(d.join(odd)).unwrap();
    std::fs::write(d.join(odd).join("menu.wav"), &broken).unwrap();
    std::fs::write(d.join("--deep.wav"), &broken).unwrap();
    let run = run_check_step(
        &[
            ("paths", &format!("  {odd}  \r\n\n--deep.wav\r\n")),
            ("format", "json"),
        ],
        d,
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.output, "exit-code=1\n");
    let mut inputs: Vec<String> = crate::support::report_results(&run.stdout)
        .iter()
        .map(|r| r["input"].as_str().unwrap().to_owned())
        .collect();
    inputs.sort();
    assert_eq!(inputs, ["--deep.wav", &format!("{odd}/menu.wav")]);
    assert!(!d.join("pwned").exists());
    assert!(run.summary.contains("failed"), "{}", run.summary);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn example_workflow_steps_give_the_status_the_workflow_expects() {
    let declared = declared_inputs();
    let mut ran = 0;
    for (path, doc) in workflows() {
        for (job, body) in doc["jobs"].as_hash().unwrap() {
            for step in body["steps"].as_vec().unwrap() {
                if step["uses"].as_str() != Some("./") {
                    continue;
                }
                let at = format!("{}: {}", path.display(), job.as_str().unwrap());
                let with: Vec<(&str, &str)> = step["with"]
                    .as_hash()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap(), v.as_str().unwrap()))
                    .collect();
                for (k, _) in &with {
                    assert!(declared.contains_key(*k), "{at}: no input {k}");
                }
                // The workflow's own files, in a copy: the step may write its reports.
                let dir = tempfile::tempdir().unwrap();
                copy_dir(&root().join("fixtures"), &dir.path().join("fixtures"));
                let run = run_check_step(&with, dir.path());
                // A step allowed to fail is the one whose failure the workflow asserts.
                let expected = if step["continue-on-error"].as_bool() == Some(true) {
                    1
                } else {
                    0
                };
                assert_eq!(run.code, expected, "{at}\n{}{}", run.stdout, run.stderr);
                if let Some(sarif) = step["with"]["sarif"].as_str() {
                    assert!(dir.path().join(sarif).is_file(), "{at}: {sarif}");
                }
                ran += 1;
            }
        }
    }
    assert_eq!(ran, 2);
}

/// The lines of a step's log that a GitHub runner reads as workflow commands: those that begin,
/// after blanks, with `::`.
fn commands(run: &StepRun) -> Vec<String> {
    run.stdout
        .lines()
        .chain(run.stderr.lines())
        .map(str::trim_start)
        .filter(|l| l.starts_with("::"))
        .map(str::to_owned)
        .collect()
}

/// A repository controls `acs-preflight.toml` and its file names: nothing from them starts a
/// line of the step's log, so none can be a workflow command (`::add-mask::`,
/// `::stop-commands::`, a forged annotation). A regex error quoted the pattern on a line of its
/// own, and a `[rules]` key could hold a newline.
#[test]
fn a_repository_cannot_issue_workflow_commands_through_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("prompts")).unwrap();
    let broken = truncated(&valid(1600), 200);
    std::fs::write(d.join("prompts/::error title=forged::x.wav"), &broken).unwrap();
    for config in [
        "url_pattern = \"::warning title=forged::pwned(\"\n",
        "[rules]\n\"x\\n::add-mask::pwned\\n::stop-commands::t\" = \"off\"\n",
        "exclude = [\"x\\n::warning::b[\"]\n",
    ] {
        std::fs::write(d.join("acs-preflight.toml"), config).unwrap();
        let run = run_check_step(&[("paths", "prompts")], d);
        assert_eq!(run.code, 2, "{config}{}", run.stderr);
        assert_eq!(commands(&run), Vec::<String>::new(), "{config}");
    }
    std::fs::remove_file(d.join("acs-preflight.toml")).unwrap();
    let run = run_check_step(&[("paths", "prompts")], d);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let commands = commands(&run);
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert!(
        commands[0].starts_with(
            "::error file=prompts/%3A%3Aerror title=forged%3A%3Ax.wav,title=acs-preflight malformed::"
        ),
        "{commands:?}"
    );
}
