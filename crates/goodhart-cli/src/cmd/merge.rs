//! `goodhart merge`: combine the stores of a sharded sweep into one.

use std::path::PathBuf;

use goodhart_lab::Store;

/// Arguments of `merge`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The combined store (created if missing; runs it already has finished are kept).
    pub out: PathBuf,
    /// The shard stores (read, never changed).
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut store = Store::open(&args.out)?;
    let s = store.merge_from(&args.shards)?;
    println!(
        "merged {} shard(s) into {}: {} runs copied, {} already present, {} failed runs recorded",
        args.shards.len(),
        args.out.display(),
        s.copied,
        s.already_present,
        s.failed
    );
    Ok(())
}
