//! The store: refused inputs stay byte-identical; re-runs skip; shards merge; CSV export.

use std::path::Path;

use goodhart_lab::export::{self, Format};
use goodhart_lab::{Experiment, ProgressMode, Registry, RunOptions, Shard, Store, runner};

use super::{comparable, run_into, temp_dir};

const TINY: &str = r#"
name = "tiny"
scenarios = ["boat_race"]
seeds = 2
[[optimizers]]
name = "random"
episodes = 20
"#;

/// A finished store of the tiny sweep (closed, so fully checkpointed).
fn good_store(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("good.db");
    run_into(TINY, &path, Some(1));
    path
}

fn refused(path: &Path, expect: &str) {
    let before = std::fs::read(path).unwrap();
    let err = match Store::open(path) {
        Ok(_) => panic!("{} was accepted", path.display()),
        Err(e) => e.to_string(),
    };
    assert!(err.contains(expect), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("left untouched"), "{err}");
    assert_eq!(std::fs::read(path).unwrap(), before, "the file changed");
}

#[test]
fn garbage_empty_and_foreign_files_are_refused_untouched() {
    let dir = temp_dir("garbage");
    let garbage = dir.join("garbage.db");
    std::fs::write(
        &garbage,
        b"this is not a database, just some text\n".repeat(200),
    )
    .unwrap();
    refused(&garbage, "not an SQLite database");

    let empty = dir.join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    refused(&empty, "is empty");

    let foreign = dir.join("foreign.db");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    refused(&foreign, "not a goodhart store");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn truncated_store_is_refused_untouched() {
    let dir = temp_dir("truncated");
    let path = good_store(&dir);
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() >= 4 * 4096, "{}", bytes.len());
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    refused(&path, "truncated");
    // Cut inside the header, too.
    std::fs::write(&path, &bytes[..60]).unwrap();
    refused(&path, "truncated");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn corrupt_store_is_refused_untouched() {
    let dir = temp_dir("corrupt");
    let path = good_store(&dir);
    let mut bytes = std::fs::read(&path).unwrap();
    let page = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    // Scribble over every page after the first: the b-trees are garbage now.
    for b in &mut bytes[page..] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    refused(&path, "corrupt");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn newer_schema_is_refused_untouched() {
    let dir = temp_dir("newer");
    let path = good_store(&dir);
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    refused(&path, "schema version 99, newer than this goodhart");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_rerun_skips_finished_runs_and_changes_nothing() {
    let dir = temp_dir("rerun");
    let path = good_store(&dir);
    let before = Store::open(&path).unwrap().runs(None).unwrap();
    let registry = Registry::builtin();
    let exp = Experiment::parse("test.toml", TINY, &registry).unwrap();
    let mut store = Store::open(&path).unwrap();
    let options = RunOptions {
        progress: ProgressMode::Quiet,
        ..RunOptions::default()
    };
    let s = runner::run(&exp, &mut store, &registry, &options).unwrap();
    assert_eq!((s.total, s.skipped, s.finished), (2, 2, 0));
    assert_eq!(store.runs(None).unwrap(), before);
    assert_eq!(store.schema_version().unwrap(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shards_partition_the_runs_and_merge_to_the_full_sweep() {
    let dir = temp_dir("shards");
    let spec = super::SMALL;
    let full = run_into(spec, &dir.join("full.db"), Some(2));
    let registry = Registry::builtin();
    let exp = Experiment::parse("test.toml", spec, &registry).unwrap();
    let mut shard_paths = Vec::new();
    let mut seen = 0;
    for i in 1..=3u32 {
        let p = dir.join(format!("shard{i}.db"));
        let mut store = Store::open(&p).unwrap();
        let options = RunOptions {
            shard: Some(Shard { index: i, count: 3 }),
            progress: ProgressMode::Quiet,
            ..RunOptions::default()
        };
        let s = runner::run(&exp, &mut store, &registry, &options).unwrap();
        seen += s.finished;
        shard_paths.push(p);
    }
    assert_eq!(seen, full.len());
    let shard_bytes: Vec<Vec<u8>> = shard_paths
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let mut merged = Store::open(&dir.join("merged.db")).unwrap();
    let m = merged.merge_from(&shard_paths).unwrap();
    assert_eq!(m.copied, full.len());
    // Merging again adds nothing.
    let again = merged.merge_from(&shard_paths).unwrap();
    assert_eq!((again.copied, again.already_present), (0, full.len()));
    let a: Vec<_> = full.iter().map(comparable).collect();
    let b: Vec<_> = merged.runs(None).unwrap().iter().map(comparable).collect();
    assert_eq!(a, b);
    for (p, before) in shard_paths.iter().zip(shard_bytes) {
        assert_eq!(std::fs::read(p).unwrap(), before, "merge changed a shard");
    }
    assert!("0/3".parse::<Shard>().is_err());
    assert!("4/3".parse::<Shard>().is_err());
    assert!("x".parse::<Shard>().is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn csv_and_parquet_exports_have_one_row_per_run_with_parameters_as_columns() {
    let dir = temp_dir("export");
    let path = dir.join("s.db");
    let rows = run_into(super::SMALL, &path, None);
    let store = Store::open(&path).unwrap();
    let out = dir.join("results.csv");
    let n = export::export(&store, None, Format::Csv, &out).unwrap();
    assert_eq!(n, rows.len());
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), rows.len() + 1);
    let header: Vec<&str> = lines[0].split(',').collect();
    for col in [
        "run_id",
        "scenario",
        "variant",
        "optimizer",
        "seed",
        "param.episodes",
        "proxy_return",
        "true_return",
        "gap_pessimistic",
        "normalized_gap_pessimistic",
    ] {
        assert!(header.contains(&col), "{col} missing from {header:?}");
    }
    assert!(
        lines
            .iter()
            .skip(1)
            .all(|l| l.split(',').count() == header.len())
    );
    let pq = dir.join("r.parquet");
    assert_eq!(
        export::export(&store, None, Format::Parquet, &pq).unwrap(),
        n
    );
    assert_eq!(&std::fs::read(&pq).unwrap()[..4], b"PAR1");
    let _ = std::fs::remove_dir_all(&dir);
}

/// An optimizer whose method never applies (as exact analysis on a model too large for it).
struct NeverApplies;

impl goodhart_lab::Optimizer for NeverApplies {
    fn name(&self) -> &'static str {
        "never"
    }
    fn description(&self) -> &'static str {
        "does not apply to anything"
    }
    fn uses_seed(&self) -> bool {
        false
    }
    fn run(
        &self,
        _: &goodhart_lab::RunContext<'_>,
    ) -> goodhart_lab::Result<goodhart_lab::RunResult> {
        Err(goodhart_lab::Error::NotApplicable(
            "too large for this test".into(),
        ))
    }
}

#[test]
fn not_applicable_runs_are_recorded_and_not_retried() {
    let dir = temp_dir("not-applicable");
    let path = dir.join("na.db");
    let mut registry = Registry::builtin();
    registry.register(std::sync::Arc::new(NeverApplies));
    let spec = "name = \"na\"\nscenarios = [\"boat_race\"]\n[[optimizers]]\nname = \"never\"\n";
    let exp = Experiment::parse("test.toml", spec, &registry).unwrap();
    let options = RunOptions {
        progress: ProgressMode::Quiet,
        ..RunOptions::default()
    };
    let mut store = Store::open(&path).unwrap();
    let s = runner::run(&exp, &mut store, &registry, &options).unwrap();
    assert_eq!((s.total, s.not_applicable, s.failed), (1, 1, 0), "{s:?}");
    let runs = store.runs(None).unwrap();
    assert_eq!(runs[0].status, "not_applicable");
    assert_eq!(runs[0].error.as_deref(), Some("too large for this test"));
    let again = runner::run(&exp, &mut store, &registry, &options).unwrap();
    assert_eq!((again.skipped, again.not_applicable), (1, 0), "{again:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_version_1_store_migrates_keeping_its_rows() {
    let dir = temp_dir("migrate-v1");
    let path = good_store(&dir);
    let before: Vec<_> = Store::open(&path)
        .unwrap()
        .runs(None)
        .unwrap()
        .iter()
        .map(comparable)
        .collect();
    {
        // Rebuild the runs table as version 1 wrote it (status limited to finished/failed).
        let c = rusqlite::Connection::open(&path).unwrap();
        let v1 = goodhart_lab::store::schema::MIGRATIONS[0];
        let start = v1.find("CREATE TABLE runs (").unwrap();
        let end = start + v1[start..].find(");").unwrap() + 2;
        let runs_v1 = v1[start..end].replace("CREATE TABLE runs (", "CREATE TABLE runs_old (");
        assert!(runs_v1.contains("('finished', 'failed')"));
        c.execute_batch(&format!(
            "PRAGMA foreign_keys = OFF; BEGIN; {runs_v1} INSERT INTO runs_old SELECT * FROM runs; \
             DROP TABLE runs; ALTER TABLE runs_old RENAME TO runs; \
             CREATE INDEX runs_by_scenario ON runs (scenario, variant); COMMIT;"
        ))
        .unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    let after: Vec<_> = store.runs(None).unwrap().iter().map(comparable).collect();
    assert_eq!(after, before);
    let c = rusqlite::Connection::open(&path).unwrap();
    let ok: String = c
        .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .unwrap_or_else(|_| "ok".into());
    assert_eq!(ok, "ok", "foreign keys broken by the migration");
    let _ = std::fs::remove_dir_all(&dir);
}
