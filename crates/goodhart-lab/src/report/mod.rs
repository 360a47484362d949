//! The static report: `index.html` with the sortable gap table and the gaming trajectories, one
//! page per scenario with its learning curves and animations, and the experiments' parameters.
//! Everything is plain files (HTML with inline CSS, script and SVG; GIFs under `img/`), so the
//! site opens from the file system with no network.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::optimizer::Episode;
use crate::store::Store;

pub mod html;
mod pages;
pub mod svg;
pub mod table;

pub use table::{GapRow, gap_rows};

/// What to put in a report.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Only this experiment's runs (default: every run in the store).
    pub experiment: Option<String>,
}

/// What [`write`] produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSummary {
    /// The index page.
    pub index: PathBuf,
    /// Pages written, the index included.
    pub pages: usize,
    /// Images written.
    pub images: usize,
    /// Rows of the gap table.
    pub rows: usize,
}

/// An animation copied into the report, with the episode it shows.
#[derive(Debug, Clone)]
pub(crate) struct Picture {
    /// Path relative to the report directory.
    pub src: String,
    /// The episode (returns, title), when recorded.
    pub episode: Option<Episode>,
}

/// Pictures and curves of one gap row.
#[derive(Debug, Clone, Default)]
pub(crate) struct RowMedia {
    pub comparison: Option<Picture>,
    pub gaming: Option<Picture>,
    pub true_optimal: Option<Picture>,
    pub sample: Option<Picture>,
    /// Mean curve over seeds: (episode, proxy, true).
    pub curve: Vec<(f64, f64, f64)>,
}

/// Writes the report of `store` into the directory `out`.
pub fn write(store: &Store, out: &Path, options: &ReportOptions) -> Result<ReportSummary> {
    let runs = store.runs(options.experiment.as_deref())?;
    if let Some(e) = &options.experiment
        && !store.experiments()?.iter().any(|x| &x.name == e)
    {
        let known: Vec<String> = store.experiments()?.into_iter().map(|x| x.name).collect();
        return Err(Error::Core(goodhart_core::Error::unknown(
            "experiment",
            e,
            known,
        )));
    }
    let rows = gap_rows(&runs);
    let experiments: Vec<_> = store
        .experiments()?
        .into_iter()
        .filter(|e| options.experiment.as_ref().is_none_or(|x| x == &e.name))
        .collect();
    let img_dir = out.join("img");
    std::fs::create_dir_all(&img_dir).map_err(|e| Error::io(&img_dir, e))?;

    // Pictures and curves.
    let mut images = 0;
    let mut media = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut m = RowMedia::default();
        if let Some(first) = row.run_ids.first() {
            let artefacts = store.artefacts(first)?;
            let episode = |name: &str| {
                artefacts
                    .iter()
                    .find(|a| a.name == format!("{name}.json"))
                    .and_then(|a| serde_json::from_slice::<Episode>(&a.data).ok())
            };
            for a in artefacts.iter().filter(|a| a.media_type == "image/gif") {
                // Keep the `.gif` extension so browsers and file managers know the type.
                let file = format!(
                    "{}-{}-{}-{}.gif",
                    html::slug(&row.scenario),
                    html::slug(&row.variant),
                    &first[..first.len().min(8)],
                    html::slug(a.name.trim_end_matches(".gif"))
                );
                let path = img_dir.join(&file);
                std::fs::write(&path, &a.data).map_err(|e| Error::io(&path, e))?;
                images += 1;
                let stem = a.name.trim_end_matches(".gif");
                let pic = Picture {
                    src: format!("img/{file}"),
                    episode: episode(stem),
                };
                match stem {
                    "comparison" => m.comparison = Some(pic),
                    "gaming" => m.gaming = Some(pic),
                    "true_optimal" => m.true_optimal = Some(pic),
                    _ => {
                        if m.sample.is_none() {
                            m.sample = Some(pic)
                        }
                    }
                }
            }
        }
        m.curve = mean_curve(store, &row.run_ids)?;
        media.push(m);
    }

    let footer = format!(
        "goodhart {} · report generated {} from <code>{}</code> · no network needed to view it",
        crate::store::GOODHART_VERSION,
        crate::time::now(),
        html::escape(&store.path().display().to_string())
    );
    let mut pages_written = 0;
    let index = out.join("index.html");
    let text = pages::index(&rows, &media, &experiments, &runs, &footer);
    std::fs::write(&index, text).map_err(|e| Error::io(&index, e))?;
    pages_written += 1;
    let mut names: Vec<&str> = rows.iter().map(|r| r.scenario.as_str()).collect();
    names.dedup();
    for name in names {
        let path = out.join(pages::scenario_file(name));
        let text = pages::scenario(name, &rows, &media, &footer);
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        pages_written += 1;
    }
    Ok(ReportSummary {
        index,
        pages: pages_written,
        images,
        rows: rows.len(),
    })
}

/// The mean learning curve over the runs `ids` (episodes aligned by number).
fn mean_curve(store: &Store, ids: &[String]) -> Result<Vec<(f64, f64, f64)>> {
    let mut sum: Vec<(f64, f64, f64, u32)> = Vec::new();
    for id in ids {
        for p in store.curve(id)? {
            let i = p.episode as usize;
            if sum.len() <= i {
                sum.resize(i + 1, (0.0, 0.0, 0.0, 0));
            }
            let s = &mut sum[i];
            s.0 = p.episode as f64;
            s.1 += p.proxy_return;
            s.2 += p.true_return;
            s.3 += 1;
        }
    }
    Ok(sum
        .into_iter()
        .filter(|s| s.3 > 0)
        .map(|(e, p, t, n)| (e, p / n as f64, t / n as f64))
        .collect())
}
