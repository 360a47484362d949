//! The results store: one SQLite file (WAL mode), schema versioned by migrations.
//!
//! Every finished run is written in its own transaction together with its outcome, curve and
//! artefacts, so a crash (even `kill -9`) loses no finished run and leaves no half-written one,
//! and a re-run skips what is done. Opening checks the file first, read-only: something that is
//! not an SQLite file, a truncated or corrupt store, or one written by a newer goodhart is
//! refused with a clear error and left byte for byte as it was.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::error::{Error, Result};
use crate::optimizer::{Artefact, CurvePoint, Outcome, RunResult};
use crate::spec::{Experiment, RunSpec};

mod merge;
pub mod schema;

/// The store used when none is named: `goodhart.db` in the working directory.
pub const DEFAULT_STORE: &str = "goodhart.db";

/// This build's version, recorded with every run.
pub const GOODHART_VERSION: &str = env!("CARGO_PKG_VERSION");

/// An open results store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// A stored experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentRow {
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The experiment seed.
    pub seed: u64,
    /// The spec file it was read from.
    pub spec_file: String,
    /// The spec text.
    pub spec_text: String,
    /// When it was first run.
    pub created: String,
    /// The goodhart version that first ran it.
    pub goodhart_version: String,
}

/// A stored run with its outcome (when it finished).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// Run id.
    pub run_id: String,
    /// The experiment that first ran it.
    pub experiment: String,
    /// Scenario name.
    pub scenario: String,
    /// Variant name.
    pub variant: String,
    /// Scenario overrides as JSON.
    pub set_json: String,
    /// Optimizer name.
    pub optimizer: String,
    /// Optimizer parameters as JSON.
    pub params_json: String,
    /// Mitigation name.
    pub mitigation: String,
    /// Seed as listed in the spec.
    pub seed: u64,
    /// `finished`, `failed` or `not_applicable`.
    pub status: String,
    /// The failure, for failed runs.
    pub error: Option<String>,
    /// Start time (ISO 8601 UTC).
    pub started: String,
    /// End time (ISO 8601 UTC).
    pub finished: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// goodhart version that ran it.
    pub goodhart_version: String,
    /// Hash of the scenario file (hex).
    pub scenario_hash: String,
    /// The outcome, for finished runs.
    pub outcome: Option<Outcome>,
}

/// One run's result on its way to the store.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The experiment running it.
    pub experiment: String,
    /// The run.
    pub run: RunSpec,
    /// Start time (ISO 8601 UTC).
    pub started: String,
    /// End time (ISO 8601 UTC).
    pub finished: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// What it produced, or why it did not.
    pub result: std::result::Result<RunResult, RunFailure>,
}

/// Why a run has no outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunFailure {
    /// The run failed (recorded with the error; a re-run retries it).
    Failed(String),
    /// The optimizer's method does not apply to the scenario (a model too large for exact
    /// analysis); recorded and not retried.
    NotApplicable(String),
}

impl RunFailure {
    /// The store's `status` for it.
    pub fn status(&self) -> &'static str {
        match self {
            RunFailure::Failed(_) => "failed",
            RunFailure::NotApplicable(_) => "not_applicable",
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            RunFailure::Failed(m) | RunFailure::NotApplicable(m) => m,
        }
    }
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl Store {
    /// Opens the store at `path`, creating it when the file does not exist, and migrates an
    /// older schema. Refuses (leaving the file untouched) anything that is not a sound store of
    /// this or an older schema version.
    pub fn open(path: &Path) -> Result<Store> {
        if path.exists() {
            check(path)?;
        }
        let conn = Connection::open(path).map_err(|e| sqlite(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing store (for reports, exports, merges); it must exist.
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(Error::store(
                path,
                "no such store; run `goodhart bench` or `goodhart run SPEC.toml` first, or name \
                 one with --store",
            ));
        }
        Self::open(path)
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&mut self) -> Result<()> {
        let p = self.path.clone();
        self.conn
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| sqlite(&p, e))?;
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| sqlite(&p, e))?;
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| sqlite(&p, e))?;
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| sqlite(&p, e))?;
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        let p = self.path.clone();
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| sqlite(&p, e))?;
        // A migration may rebuild a table that others reference; SQLite only allows that with
        // foreign keys off, and the pragma cannot change inside a transaction.
        self.conn
            .pragma_update(None, "foreign_keys", "OFF")
            .map_err(|e| sqlite(&p, e))?;
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction().map_err(|e| sqlite(&p, e))?;
            tx.execute_batch(sql).map_err(|e| sqlite(&p, e))?;
            tx.pragma_update(None, "application_id", schema::APPLICATION_ID)
                .map_err(|e| sqlite(&p, e))?;
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .map_err(|e| sqlite(&p, e))?;
            tx.commit().map_err(|e| sqlite(&p, e))?;
        }
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| sqlite(&p, e))?;
        Ok(())
    }

    /// Records `experiment` (first run wins for its metadata) and links its runs to it.
    pub fn begin_experiment(&mut self, experiment: &Experiment, runs: &[&RunSpec]) -> Result<()> {
        let p = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sqlite(&p, e))?;
        tx.execute(
            "INSERT OR IGNORE INTO experiments
             (name, description, seed, spec_file, spec_text, record_json, created, goodhart_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                experiment.name,
                experiment.description,
                experiment.seed as i64,
                experiment.file,
                experiment.text,
                serde_json::to_string(&experiment.record).unwrap_or_default(),
                crate::time::now(),
                GOODHART_VERSION
            ],
        )
        .map_err(|e| sqlite(&p, e))?;
        {
            let mut st = tx
                .prepare(
                    "INSERT OR IGNORE INTO experiment_runs (experiment, run_id) VALUES (?1, ?2)",
                )
                .map_err(|e| sqlite(&p, e))?;
            for r in runs {
                st.execute(params![experiment.name, r.run_id])
                    .map_err(|e| sqlite(&p, e))?;
            }
        }
        tx.commit().map_err(|e| sqlite(&p, e))
    }

    /// Ids of the runs that are done: finished, or not applicable (a re-run skips both).
    pub fn finished_ids(&self) -> Result<BTreeSet<String>> {
        let mut st = self
            .conn
            .prepare("SELECT run_id FROM runs WHERE status IN ('finished', 'not_applicable')")
            .map_err(|e| sqlite(&self.path, e))?;
        let ids = st
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<BTreeSet<_>>>())
            .map_err(|e| sqlite(&self.path, e))?;
        Ok(ids)
    }

    /// Writes one run, its outcome, curve and artefacts in one transaction (replacing an
    /// earlier failed attempt).
    pub fn write_run(&mut self, rec: &RunRecord) -> Result<()> {
        let p = self.path.clone();
        let r = &rec.run;
        let tx = self.conn.transaction().map_err(|e| sqlite(&p, e))?;
        for table in ["outcomes", "curves", "artefacts"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE run_id = ?1"),
                [&r.run_id],
            )
            .map_err(|e| sqlite(&p, e))?;
        }
        let (status, error) = match &rec.result {
            Ok(_) => ("finished", None),
            Err(e) => (e.status(), Some(e.message())),
        };
        tx.execute(
            "INSERT OR REPLACE INTO runs
             (run_id, experiment, scenario, variant, set_json, optimizer, params_json, mitigation,
              seed, rng_seed, canonical, status, error, started, finished, seconds,
              goodhart_version, scenario_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            params![
                r.run_id,
                rec.experiment,
                r.scenario,
                r.variant,
                r.set_json(),
                r.optimizer,
                r.params.to_json(),
                r.mitigation,
                r.seed as i64,
                format!("{:016x}", r.rng_seed),
                r.canonical,
                status,
                error,
                rec.started,
                rec.finished,
                rec.seconds,
                GOODHART_VERSION,
                format!("{:016x}", r.scenario_hash),
            ],
        )
        .map_err(|e| sqlite(&p, e))?;
        tx.execute(
            "INSERT OR IGNORE INTO experiment_runs (experiment, run_id) VALUES (?1, ?2)",
            params![rec.experiment, r.run_id],
        )
        .map_err(|e| sqlite(&p, e))?;
        if let Ok(result) = &rec.result {
            insert_outcome(&tx, &r.run_id, &result.outcome).map_err(|e| sqlite(&p, e))?;
            insert_curve(&tx, &r.run_id, &result.curve).map_err(|e| sqlite(&p, e))?;
            insert_artefacts(&tx, &r.run_id, &result.artefacts).map_err(|e| sqlite(&p, e))?;
        }
        tx.commit().map_err(|e| sqlite(&p, e))
    }

    /// Every experiment, by name.
    pub fn experiments(&self) -> Result<Vec<ExperimentRow>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT name, description, seed, spec_file, spec_text, created, goodhart_version
                 FROM experiments ORDER BY created, name",
            )
            .map_err(|e| sqlite(&self.path, e))?;
        st.query_map([], |r| {
            Ok(ExperimentRow {
                name: r.get(0)?,
                description: r.get(1)?,
                seed: r.get::<_, i64>(2)? as u64,
                spec_file: r.get(3)?,
                spec_text: r.get(4)?,
                created: r.get(5)?,
                goodhart_version: r.get(6)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| sqlite(&self.path, e))
    }

    /// Every run (of `experiment`, or all), ordered by scenario, variant, optimizer, mitigation,
    /// seed and run id.
    pub fn runs(&self, experiment: Option<&str>) -> Result<Vec<RunRow>> {
        let filter = if experiment.is_some() {
            "WHERE r.run_id IN (SELECT run_id FROM experiment_runs WHERE experiment = ?1)"
        } else {
            "WHERE ?1 IS NULL"
        };
        let sql = format!(
            "SELECT r.run_id, r.experiment, r.scenario, r.variant, r.set_json, r.optimizer,
                    r.params_json, r.mitigation, r.seed, r.status, r.error, r.started, r.finished,
                    r.seconds, r.goodhart_version, r.scenario_hash,
                    o.proxy_return, o.true_return, o.proxy_ci, o.true_ci, o.best_true_return,
                    o.random_true_return, o.gap_pessimistic, o.gap_optimistic,
                    o.normalized_gap_pessimistic, o.normalized_gap_optimistic,
                    o.safety_violations, o.exact, o.episodes
             FROM runs r LEFT JOIN outcomes o ON o.run_id = r.run_id
             {filter}
             ORDER BY r.scenario, r.variant, r.set_json, r.optimizer, r.params_json,
                      r.mitigation, r.seed, r.run_id"
        );
        let mut st = self.conn.prepare(&sql).map_err(|e| sqlite(&self.path, e))?;
        st.query_map([experiment], |r| {
            let outcome = match r.get::<_, Option<f64>>(16)? {
                None => None,
                Some(proxy_return) => Some(Outcome {
                    proxy_return,
                    true_return: r.get(17)?,
                    proxy_ci: r.get(18)?,
                    true_ci: r.get(19)?,
                    best_true_return: r.get(20)?,
                    random_true_return: r.get(21)?,
                    gap_pessimistic: r.get(22)?,
                    gap_optimistic: r.get(23)?,
                    normalized_gap_pessimistic: r.get(24)?,
                    normalized_gap_optimistic: r.get(25)?,
                    safety_violations: r.get(26)?,
                    exact: r.get::<_, i64>(27)? != 0,
                    episodes: r.get::<_, Option<i64>>(28)?.map(|e| e as u64),
                }),
            };
            Ok(RunRow {
                run_id: r.get(0)?,
                experiment: r.get(1)?,
                scenario: r.get(2)?,
                variant: r.get(3)?,
                set_json: r.get(4)?,
                optimizer: r.get(5)?,
                params_json: r.get(6)?,
                mitigation: r.get(7)?,
                seed: r.get::<_, i64>(8)? as u64,
                status: r.get(9)?,
                error: r.get(10)?,
                started: r.get(11)?,
                finished: r.get(12)?,
                seconds: r.get(13)?,
                goodhart_version: r.get(14)?,
                scenario_hash: r.get(15)?,
                outcome,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| sqlite(&self.path, e))
    }

    /// The training curve of a run, by episode.
    pub fn curve(&self, run_id: &str) -> Result<Vec<CurvePoint>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT episode, proxy_return, true_return, length FROM curves
                 WHERE run_id = ?1 ORDER BY episode",
            )
            .map_err(|e| sqlite(&self.path, e))?;
        st.query_map([run_id], |r| {
            Ok(CurvePoint {
                episode: r.get::<_, i64>(0)? as u64,
                proxy_return: r.get(1)?,
                true_return: r.get(2)?,
                length: r.get::<_, i64>(3)? as u32,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| sqlite(&self.path, e))
    }

    /// The artefacts of a run, by name.
    pub fn artefacts(&self, run_id: &str) -> Result<Vec<Artefact>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT name, media_type, data FROM artefacts WHERE run_id = ?1 ORDER BY name",
            )
            .map_err(|e| sqlite(&self.path, e))?;
        st.query_map([run_id], |r| {
            Ok(Artefact {
                name: r.get(0)?,
                media_type: r.get(1)?,
                data: r.get(2)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| sqlite(&self.path, e))
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| sqlite(&self.path, e))
    }

    /// Copies every finished run of the stores at `shards` into this one (see `goodhart merge`).
    pub fn merge_from(&mut self, shards: &[PathBuf]) -> Result<merge::MergeSummary> {
        merge::merge(self, shards)
    }
}

pub use merge::MergeSummary;

fn insert_outcome(
    tx: &rusqlite::Transaction<'_>,
    run_id: &str,
    o: &Outcome,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO outcomes
         (run_id, proxy_return, true_return, proxy_ci, true_ci, best_true_return,
          random_true_return, gap_pessimistic, gap_optimistic, normalized_gap_pessimistic,
          normalized_gap_optimistic, safety_violations, exact, episodes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            run_id,
            o.proxy_return,
            o.true_return,
            o.proxy_ci,
            o.true_ci,
            o.best_true_return,
            o.random_true_return,
            o.gap_pessimistic,
            o.gap_optimistic,
            o.normalized_gap_pessimistic,
            o.normalized_gap_optimistic,
            o.safety_violations,
            o.exact as i64,
            o.episodes.map(|e| e as i64),
        ],
    )?;
    Ok(())
}

fn insert_curve(
    tx: &rusqlite::Transaction<'_>,
    run_id: &str,
    curve: &[CurvePoint],
) -> rusqlite::Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT INTO curves (run_id, episode, proxy_return, true_return, length)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for c in curve {
        st.execute(params![
            run_id,
            c.episode as i64,
            c.proxy_return,
            c.true_return,
            c.length as i64
        ])?;
    }
    Ok(())
}

fn insert_artefacts(
    tx: &rusqlite::Transaction<'_>,
    run_id: &str,
    artefacts: &[Artefact],
) -> rusqlite::Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT OR REPLACE INTO artefacts (run_id, name, media_type, data) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for a in artefacts {
        st.execute(params![run_id, a.name, a.media_type, a.data])?;
    }
    Ok(())
}

fn sqlite(path: &Path, source: rusqlite::Error) -> Error {
    Error::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// Checks an existing file, read-only, before anything opens it for writing.
pub(crate) fn check(path: &Path) -> Result<()> {
    let bad = |m: String| {
        Err(Error::store(
            path,
            format!("{m}; the file was left untouched"),
        ))
    };
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return bad("is a directory, not a store".into());
    }
    let len = meta.len();
    if len == 0 {
        return bad(
            "is empty (0 bytes): not a goodhart store (it may have been truncated); move it away \
             to start a new store"
                .into(),
        );
    }
    let mut header = [0u8; 100];
    let n = {
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut n = 0;
        while n < header.len() {
            match f.read(&mut header[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) => return Err(Error::io(path, e)),
            }
        }
        n
    };
    if n < 16 || &header[..16] != b"SQLite format 3\0" {
        return bad("is not a goodhart store (not an SQLite database)".into());
    }
    if n < 100 {
        return bad(format!(
            "is truncated ({len} bytes, shorter than an SQLite header)"
        ));
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536u64,
        p => u64::from(p),
    };
    let change = u32::from_be_bytes([header[24], header[25], header[26], header[27]]);
    let valid_for = u32::from_be_bytes([header[92], header[93], header[94], header[95]]);
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    if change == valid_for && pages > 0 && len < pages * page_size {
        return bad(format!(
            "is truncated: its header promises {} bytes ({pages} pages of {page_size}), the file \
             has {len}",
            pages * page_size
        ));
    }
    if page_size > 0 && len % page_size != 0 {
        return bad(format!(
            "is truncated or damaged: {len} bytes is not a whole number of {page_size}-byte pages"
        ));
    }

    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| {
        Error::store(
            path,
            format!("cannot be opened: {e}; the file was left untouched"),
        )
    })?;
    let corrupt = |e: rusqlite::Error| {
        Error::store(
            path,
            format!("is corrupt ({e}); the file was left untouched"),
        )
    };
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(corrupt)?;
    let app: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(corrupt)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(corrupt)?;
    if app != schema::APPLICATION_ID && tables > 0 {
        return bad("is an SQLite database but not a goodhart store".into());
    }
    if version > schema::VERSION {
        return bad(format!(
            "has schema version {version}, newer than this goodhart ({GOODHART_VERSION}) reads \
             (version {}); use a newer goodhart",
            schema::VERSION
        ));
    }
    let check: Option<String> = conn
        .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
        .optional()
        .map_err(corrupt)?;
    match check.as_deref() {
        Some("ok") | None => Ok(()),
        Some(problem) => bad(format!("is corrupt (integrity check: {problem})")),
    }
}
