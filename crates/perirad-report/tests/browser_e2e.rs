//! End to end: the rich fixture report opened in headless Chromium. The rendered DOM must hold
//! every figure with a non-zero size, the screenshot must not be blank, and the console must stay
//! free of errors. Without Chromium the test is skipped, unless PERIRAD_REQUIRE_CHROMIUM=1 (CI).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
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
fn run_chromium(bin: &Path, page: &Path, extra: &[String]) -> (String, String) {
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
fn console_messages(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// The console check is not vacuous: a page that logs an error and throws is caught.
#[test]
fn console_check_catches_script_errors() {
    let Some(bin) = chromium() else {
        if std::env::var("PERIRAD_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
            panic!("chromium not installed and PERIRAD_REQUIRE_CHROMIUM=1");
        }
        eprintln!("skipped: chromium not installed");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>x</p><script>console.error('bad thing'); \
         throw new Error('boom');</script></body></html>",
    )
    .expect("write bad.html");
    let (_, stderr) = run_chromium(&bin, &page, &["--dump-dom".to_string()]);
    let messages = console_messages(&stderr);
    assert!(
        messages.iter().any(|l| l.contains("bad thing")),
        "console.error seen: {messages:#?}"
    );
    assert!(
        messages.iter().any(|l| l.contains("Uncaught Error: boom")),
        "exception seen: {messages:#?}"
    );
}

/// A numeric attribute of the start tag at the beginning of `tag` (text after `<name `).
fn attr(tag: &str, name: &str) -> Option<f64> {
    let start_tag = format!(" {}", tag.split('>').next()?);
    start_tag
        .split(&format!(" {name}=\""))
        .nth(1)?
        .split('"')
        .next()?
        .parse()
        .ok()
}

#[test]
fn report_renders_in_headless_chromium() {
    let Some(bin) = chromium() else {
        if std::env::var("PERIRAD_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
            panic!("chromium not installed and PERIRAD_REQUIRE_CHROMIUM=1");
        }
        eprintln!("skipped: chromium not installed (install it, or set PERIRAD_CHROMIUM)");
        return;
    };
    let html = perirad_report::render_html(&common::rich_report()).expect("renders");
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).expect("write report.html");

    // 1. The DOM after rendering: every figure there, with a non-zero size.
    let (dom, stderr) = run_chromium(&bin, &page, &["--dump-dom".to_string()]);
    let errors = console_messages(&stderr);
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    assert!(dom.contains("</main>"), "DOM dumped");
    for (kind, count) in common::EXPECTED_FIGURES {
        let figs: Vec<&str> = dom
            .split("<figure ")
            .skip(1)
            .filter(|f| f.contains(&format!("data-figure=\"{kind}\"")))
            .map(|f| f.split("</figure>").next().unwrap_or(""))
            .collect();
        assert_eq!(figs.len(), count, "{kind} figures in the rendered DOM");
        for f in figs {
            let element = if kind == "slice" { "<img " } else { "<svg " };
            let tag = f
                .split(element)
                .nth(1)
                .unwrap_or_else(|| panic!("{kind}: no {element}"));
            let tag = tag.split('>').next().unwrap_or("");
            let (w, h) = (attr(tag, "width"), attr(tag, "height"));
            assert!(
                w.is_some_and(|w| w > 0.0) && h.is_some_and(|h| h > 0.0),
                "{kind}: size {w:?}×{h:?}"
            );
        }
    }

    // 2. The screenshot, kept under target/ for a look.
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/report-e2e");
    std::fs::create_dir_all(&out_dir).expect("create target/report-e2e");
    let shot = out_dir.join("report.png");
    let _ = std::fs::remove_file(&shot);
    std::fs::write(out_dir.join("report.html"), &html).expect("keep report.html");
    let (_, stderr) = run_chromium(
        &bin,
        &page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1400,4000".to_string(),
            "--hide-scrollbars".to_string(),
        ],
    );
    let errors = console_messages(&stderr);
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    let img = image::open(&shot).expect("screenshot is a PNG").to_luma8();
    assert_eq!(img.dimensions(), (1400, 4000));
    let n = f64::from(img.width()) * f64::from(img.height());
    let mean = img.pixels().map(|p| f64::from(p.0[0])).sum::<f64>() / n;
    let var = img
        .pixels()
        .map(|p| (f64::from(p.0[0]) - mean).powi(2))
        .sum::<f64>()
        / n;
    let dark = img.pixels().filter(|p| p.0[0] < 128).count();
    assert!(
        var > 100.0,
        "screenshot looks blank: mean {mean:.1}, variance {var:.1}"
    );
    assert!(
        dark > 10_000,
        "screenshot has too little ink: {dark} dark pixels"
    );
    eprintln!(
        "screenshot: {} (mean {mean:.1}, variance {var:.1})",
        shot.display()
    );
}
