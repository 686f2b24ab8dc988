//! Headless Chromium for end-to-end tests of HTML reports (dev only).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Chromium binary: `PERIRAD_CHROMIUM`, else the usual Debian/Chrome paths. `None` when
/// absent; callers skip unless `PERIRAD_REQUIRE_CHROMIUM=1` (see [`chromium_or_skip`]).
pub fn chromium() -> Option<PathBuf> {
    // PERIRAD_CHROMIUM names the browser; when set, nothing else is tried.
    if let Some(p) = std::env::var_os("PERIRAD_CHROMIUM") {
        return Some(PathBuf::from(p)).filter(|p| p.exists());
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// Runs Chromium headless on `page` with `extra` arguments; returns (stdout, stderr). Output goes
/// to files, not pipes: a DOM dump larger than the pipe buffer would block Chromium while we wait.
pub fn run_chromium(bin: &Path, page: &Path, extra: &[String]) -> (String, String) {
    let profile = tempfile::tempdir().expect("fresh Chromium profile dir");
    let logs = tempfile::tempdir().expect("temp dir for Chromium output");
    let (out_path, err_path) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let stdout = std::fs::File::create(&out_path).expect("create stdout file");
    let stderr = std::fs::File::create(&err_path).expect("create stderr file");
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    .stdin(Stdio::null())
    .stdout(stdout)
    .stderr(stderr);
    let mut child = cmd.spawn().expect("start Chromium");
    let start = Instant::now();
    let status = loop {
        match child.try_wait().expect("poll Chromium") {
            Some(status) => break status,
            None if start.elapsed() > Duration::from_secs(120) => {
                let _ = child.kill();
                panic!("Chromium did not finish within 120 s");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let read = |p: &Path| {
        String::from_utf8_lossy(&std::fs::read(p).expect("read Chromium output")).into_owned()
    };
    let (out, err) = (read(&out_path), read(&err_path));
    assert!(status.success(), "Chromium failed ({status}): {err}");
    (out, err)
}

/// Console messages from Chromium's log. The report has no script, so any console message is a
/// failure: Chromium logs `console.error` at the same level as `console.log` ("INFO:CONSOLE"), so
/// filtering on "Error" alone would miss some. Uncaught exceptions and errors show up here too.
pub fn console_messages(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// The Chromium binary, or `None` after printing why the test is skipped. Panics when
/// `PERIRAD_REQUIRE_CHROMIUM=1` (CI) and Chromium is missing.
pub fn chromium_or_skip() -> Option<PathBuf> {
    let bin = chromium();
    if bin.is_none() {
        if std::env::var("PERIRAD_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
            panic!("chromium not installed and PERIRAD_REQUIRE_CHROMIUM=1");
        }
        eprintln!("skipped: chromium not installed (install it, or set PERIRAD_CHROMIUM)");
    }
    bin
}

/// A numeric attribute of the start tag at the beginning of `tag` (text after `<name `).
pub fn attr(tag: &str, name: &str) -> Option<f64> {
    let start_tag = format!(" {}", tag.split('>').next()?);
    start_tag
        .split(&format!(" {name}=\""))
        .nth(1)?
        .split('"')
        .next()?
        .parse()
        .ok()
}

/// The figures of a rendered report DOM (`<figure data-figure="KIND">`), each with the width and
/// height of its `<svg>` (or `<img>` for slices).
pub fn figures(dom: &str) -> Vec<(String, Option<f64>, Option<f64>)> {
    dom.split("<figure ")
        .skip(1)
        .map(|f| {
            let f = f.split("</figure>").next().unwrap_or("");
            let kind = f
                .split("data-figure=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("")
                .to_string();
            let element = if kind == "slice" { "<img " } else { "<svg " };
            let tag = f.split(element).nth(1).unwrap_or("");
            let tag = tag.split('>').next().unwrap_or("");
            (kind, attr(tag, "width"), attr(tag, "height"))
        })
        .collect()
}
