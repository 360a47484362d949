//! The static report: written from a store, local links only, rendered by headless Chromium
//! without console errors (skipped, with a message, when Chromium is not installed).

use std::path::{Path, PathBuf};
use std::process::Command;

use goodhart_lab::Store;
use goodhart_lab::report::{self, ReportOptions};

use super::{run_into, temp_dir};

fn build_report(dir: &Path) -> PathBuf {
    let db = dir.join("r.db");
    run_into(super::SMALL, &db, None);
    let store = Store::open(&db).unwrap();
    let out = dir.join("report");
    let s = report::write(&store, &out, &ReportOptions::default()).unwrap();
    assert_eq!(s.index, out.join("index.html"));
    assert_eq!(s.pages, 3, "index + one page per scenario");
    assert!(s.images >= 2, "{s:?}");
    out
}

/// Every `src="..."` / `href="..."` of a page is a file of the report (no network, no CDN).
fn check_local_links(out: &Path, page: &str) {
    let html = std::fs::read_to_string(out.join(page)).unwrap();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let target = &part[..part.find('"').unwrap()];
            assert!(
                !target.contains("://") && !target.starts_with("//"),
                "{page} links outside the report: {target}"
            );
            let file = target.split('#').next().unwrap();
            if !file.is_empty() {
                assert!(out.join(file).is_file(), "{page}: {file} does not exist");
            }
        }
    }
}

#[test]
fn report_has_the_gap_table_pictures_and_parameters() {
    let dir = temp_dir("report");
    let out = build_report(&dir);
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains(r#"<table class="sortable">"#));
    assert!(index.contains("Gap (pessimistic)"));
    assert!(index.contains("boat_race"));
    assert!(index.contains(r#"href="scenario-boat_race.html""#));
    assert!(
        index.contains("comparison.gif"),
        "the gaming gallery is missing"
    );
    assert!(
        index.contains("name = &quot;small&quot;"),
        "the spec is missing"
    );
    // The boat race's exact gap: laps score 100, shuttling 0.
    assert!(
        index.contains(r#"data-v="100">100</td>"#),
        "no gap of 100 in the table"
    );
    check_local_links(&out, "index.html");
    check_local_links(&out, "scenario-boat_race.html");
    check_local_links(&out, "scenario-side_effects_sokoban.html");
    let page = std::fs::read_to_string(out.join("scenario-boat_race.html")).unwrap();
    assert!(page.contains("proxy objective"));
    let gif = std::fs::read_dir(out.join("img"))
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().ends_with(".gif"))
        .unwrap();
    assert!(std::fs::read(gif.path()).unwrap().starts_with(b"GIF89a"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn chromium() -> Option<&'static str> {
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .into_iter()
    .find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn report_renders_in_headless_chromium_without_console_errors() {
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: no chromium on PATH (CI installs it: apt-get install -y chromium)");
        return;
    };
    let dir = temp_dir("chromium");
    let out = build_report(&dir);
    for page in ["index.html", "scenario-boat_race.html"] {
        let profile = dir.join(format!("profile-{page}"));
        let url = format!("file://{}", out.join(page).display());
        let o = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=3000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("--dump-dom")
            .arg(&url)
            .output()
            .expect("chromium runs");
        let dom = String::from_utf8_lossy(&o.stdout);
        let log = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "chromium failed on {page}: {log}");
        for bad in [
            "Uncaught",
            "ReferenceError",
            "TypeError",
            "SyntaxError",
            "Failed to load resource",
            "ERR_FILE_NOT_FOUND",
        ] {
            assert!(!log.contains(bad), "{page}: console error `{bad}`:\n{log}");
        }
        assert!(
            dom.contains("<table class=\"sortable\">"),
            "{page}: no table in the DOM"
        );
        // The sorting script ran: it makes every header focusable.
        assert!(
            dom.contains("tabindex=\"0\""),
            "{page}: the table script did not run"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
