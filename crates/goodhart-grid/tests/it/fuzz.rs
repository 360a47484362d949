//! The parser and loader must return an error, never panic, on any input. proptest mutates the
//! valid file (character substitutions, deletions, insertions, line swaps) and also feeds
//! arbitrary strings. Longer campaigns: `PROPTEST_CASES=200000 cargo test -p goodhart-grid
//! --release --test integration fuzz`.

use proptest::prelude::*;

use crate::{VALID, load_text};

fn mutate(base: &str, edits: &[(usize, u8, u8)]) -> String {
    let mut bytes = base.as_bytes().to_vec();
    for &(pos, kind, ch) in edits {
        if bytes.is_empty() {
            break;
        }
        let i = pos % bytes.len();
        const ALPHABET: &[u8] = b"#A G\n=\"[]{},.x0-9 ";
        let c = ALPHABET[usize::from(ch) % ALPHABET.len()];
        match kind % 4 {
            0 => bytes[i] = c,
            1 => {
                bytes.remove(i);
            }
            2 => bytes.insert(i, c),
            _ => {
                let j = (i * 7 + 13) % bytes.len();
                bytes.swap(i, j);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_files_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
        let text = mutate(VALID, &edits);
        let _ = load_text(&text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let _ = load_text(&text);
    }

    #[test]
    fn mutated_catalog_files_never_panic(which in 0usize..32, edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6)) {
        let names = goodhart_grid::catalog::names();
        let name = names[which % names.len()];
        let (_, source) = goodhart_grid::catalog::file(name).unwrap();
        let text = mutate(&source.text, &edits);
        if let Ok(scenario) = load_text(&text) {
            // Whatever loads must also step without panicking.
            let s = std::sync::Arc::new(scenario);
            let acts = goodhart_core::parse_actions("RRDDLLUURDLU").unwrap();
            let _ = goodhart_grid::replay(&s, 0, &acts);
        }
    }
}
