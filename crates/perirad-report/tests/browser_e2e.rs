//! End to end: the rich fixture report opened in headless Chromium. The rendered DOM must hold
//! every figure with a non-zero size, the screenshot must not be blank, and the console must stay
//! free of errors. Without Chromium the test is skipped, unless PERIRAD_REQUIRE_CHROMIUM=1 (CI).

mod common;

use perirad_testdata::browser::{attr, chromium_or_skip, console_messages, run_chromium};
use std::path::Path;

/// The console check is not vacuous: a page that logs an error and throws is caught.
#[test]
fn console_check_catches_script_errors() {
    let Some(bin) = chromium_or_skip() else {
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

#[test]
fn report_renders_in_headless_chromium() {
    let Some(bin) = chromium_or_skip() else {
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
