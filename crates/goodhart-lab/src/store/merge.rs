//! `goodhart merge`: combine the stores of a sharded sweep. Shards are read, never written; each
//! shard is copied in one transaction; a run already finished in the target is kept as it is.

use std::path::PathBuf;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, params_from_iter};

use super::{Store, check, schema, sqlite};
use crate::error::{Error, Result};

/// What a merge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeSummary {
    /// Runs copied into the target.
    pub copied: usize,
    /// Runs the target already had finished.
    pub already_present: usize,
    /// Failed runs copied (for the record; a re-run retries them).
    pub failed: usize,
}

pub(super) fn merge(target: &mut Store, shards: &[PathBuf]) -> Result<MergeSummary> {
    let mut summary = MergeSummary::default();
    // Check every shard before writing anything.
    for shard in shards {
        if !shard.exists() {
            return Err(Error::store(shard, "no such shard store"));
        }
        check(shard)?;
    }
    for shard in shards {
        let src = Connection::open_with_flags(shard, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| sqlite(shard, e))?;
        let version: i64 = src
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| sqlite(shard, e))?;
        if version != schema::VERSION {
            return Err(Error::store(
                shard,
                format!(
                    "has schema version {version}, this goodhart writes {}; open it once with \
                     `goodhart report` to migrate it, then merge",
                    schema::VERSION
                ),
            ));
        }
        let tp = target.path.clone();
        let finished = target.finished_ids()?;
        let tx = target.conn.transaction().map_err(|e| sqlite(&tp, e))?;
        copy(&src, &tx, "experiments", "1", &[], "INSERT OR IGNORE")
            .map_err(|e| sqlite(shard, e))?;
        copy(&src, &tx, "experiment_runs", "1", &[], "INSERT OR IGNORE")
            .map_err(|e| sqlite(shard, e))?;
        let runs: Vec<(String, String)> = {
            let mut st = src
                .prepare("SELECT run_id, status FROM runs ORDER BY run_id")
                .map_err(|e| sqlite(shard, e))?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| sqlite(shard, e))?
        };
        for (run_id, status) in runs {
            if finished.contains(&run_id) {
                summary.already_present += 1;
                continue;
            }
            let exists: bool = tx
                .query_row(
                    "SELECT count(*) FROM runs WHERE run_id = ?1",
                    [&run_id],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n > 0)
                .map_err(|e| sqlite(&tp, e))?;
            if status == "failed" {
                if !exists {
                    copy(&src, &tx, "runs", "run_id = ?1", &[&run_id], "INSERT")
                        .map_err(|e| sqlite(shard, e))?;
                    summary.failed += 1;
                }
                continue;
            }
            for table in ["outcomes", "curves", "artefacts", "runs"] {
                tx.execute(&format!("DELETE FROM {table} WHERE run_id = ?1"), [&run_id])
                    .map_err(|e| sqlite(&tp, e))?;
            }
            for table in ["runs", "outcomes", "curves", "artefacts"] {
                copy(&src, &tx, table, "run_id = ?1", &[&run_id], "INSERT")
                    .map_err(|e| sqlite(shard, e))?;
            }
            summary.copied += 1;
        }
        tx.commit().map_err(|e| sqlite(&tp, e))?;
    }
    Ok(summary)
}

/// Copies the rows of `table` matching `filter` from `src` into `dst` (same schema).
fn copy(
    src: &Connection,
    dst: &rusqlite::Transaction<'_>,
    table: &str,
    filter: &str,
    args: &[&String],
    verb: &str,
) -> rusqlite::Result<()> {
    let mut st = src.prepare(&format!("SELECT * FROM {table} WHERE {filter}"))?;
    let columns: Vec<String> = st.column_names().map(|c| c.to_string()).collect();
    let n = columns.len();
    let insert = format!(
        "{verb} INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        (1..=n)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut ins = dst.prepare_cached(&insert)?;
    let mut rows = st.query(params_from_iter(args.iter()))?;
    while let Some(row) = rows.next()? {
        let values: Vec<Value> = (0..n)
            .map(|i| row.get(i))
            .collect::<rusqlite::Result<_>>()?;
        ins.execute(params_from_iter(values.iter()))?;
    }
    Ok(())
}
