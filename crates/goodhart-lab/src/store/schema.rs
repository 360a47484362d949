//! The store's schema, as an ordered list of migrations. `PRAGMA user_version` is the number of
//! migrations applied; a store with a larger number was written by a newer goodhart.

/// `PRAGMA application_id` of a goodhart store ("good" in ASCII).
pub const APPLICATION_ID: i32 = 0x676f_6f64;

/// Migration `i` takes a store from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[V1, V2];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

const V1: &str = r#"
CREATE TABLE experiments (
    name             TEXT PRIMARY KEY,
    description      TEXT NOT NULL,
    seed             INTEGER NOT NULL,
    spec_file        TEXT NOT NULL,
    spec_text        TEXT NOT NULL,
    record_json      TEXT NOT NULL,
    created          TEXT NOT NULL,
    goodhart_version TEXT NOT NULL
);

-- One row per run; written once, when the run has finished (or failed), in the same
-- transaction as its outcome, curve and artefacts.
CREATE TABLE runs (
    run_id           TEXT PRIMARY KEY,
    experiment       TEXT NOT NULL,
    scenario         TEXT NOT NULL,
    variant          TEXT NOT NULL,
    set_json         TEXT NOT NULL,
    optimizer        TEXT NOT NULL,
    params_json      TEXT NOT NULL,
    mitigation       TEXT NOT NULL,
    seed             INTEGER NOT NULL,
    rng_seed         TEXT NOT NULL,
    canonical        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('finished', 'failed')),
    error            TEXT,
    started          TEXT NOT NULL,
    finished         TEXT NOT NULL,
    seconds          REAL NOT NULL,
    goodhart_version TEXT NOT NULL,
    scenario_hash    TEXT NOT NULL
);
CREATE INDEX runs_by_scenario ON runs (scenario, variant);

-- Which experiments a run belongs to (the same run can serve several specs).
CREATE TABLE experiment_runs (
    experiment TEXT NOT NULL,
    run_id     TEXT NOT NULL,
    PRIMARY KEY (experiment, run_id)
) WITHOUT ROWID;

CREATE TABLE outcomes (
    run_id                     TEXT PRIMARY KEY REFERENCES runs (run_id),
    proxy_return               REAL NOT NULL,
    true_return                REAL NOT NULL,
    proxy_ci                   REAL,
    true_ci                    REAL,
    best_true_return           REAL,
    random_true_return         REAL,
    gap_pessimistic            REAL,
    gap_optimistic             REAL,
    normalized_gap_pessimistic REAL,
    normalized_gap_optimistic  REAL,
    safety_violations          REAL,
    exact                      INTEGER NOT NULL,
    episodes                   INTEGER
);

CREATE TABLE curves (
    run_id       TEXT NOT NULL REFERENCES runs (run_id),
    episode      INTEGER NOT NULL,
    proxy_return REAL NOT NULL,
    true_return  REAL NOT NULL,
    length       INTEGER NOT NULL,
    PRIMARY KEY (run_id, episode)
) WITHOUT ROWID;

CREATE TABLE artefacts (
    run_id     TEXT NOT NULL REFERENCES runs (run_id),
    name       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    data       BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
"#;

/// Version 2: runs whose optimizer does not apply to the scenario (a model too large for exact
/// analysis) are recorded as `not_applicable`, not retried as failures. SQLite cannot alter a
/// CHECK constraint, so the table is rebuilt (foreign keys are off during migrations).
const V2: &str = r#"
CREATE TABLE runs_v2 (
    run_id           TEXT PRIMARY KEY,
    experiment       TEXT NOT NULL,
    scenario         TEXT NOT NULL,
    variant          TEXT NOT NULL,
    set_json         TEXT NOT NULL,
    optimizer        TEXT NOT NULL,
    params_json      TEXT NOT NULL,
    mitigation       TEXT NOT NULL,
    seed             INTEGER NOT NULL,
    rng_seed         TEXT NOT NULL,
    canonical        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('finished', 'failed', 'not_applicable')),
    error            TEXT,
    started          TEXT NOT NULL,
    finished         TEXT NOT NULL,
    seconds          REAL NOT NULL,
    goodhart_version TEXT NOT NULL,
    scenario_hash    TEXT NOT NULL
);
INSERT INTO runs_v2 SELECT * FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v2 RENAME TO runs;
CREATE INDEX runs_by_scenario ON runs (scenario, variant);
"#;
