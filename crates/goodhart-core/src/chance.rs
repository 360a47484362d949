//! Where randomness enters a scenario. Mechanics ask a [`Chance`] for draws instead of holding an
//! RNG, so one piece of stepping code serves both the simulator (a seeded [`Sampler`]) and the
//! exact compiler (an [`Enumerator`] that walks every outcome with its probability).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A source of random draws.
pub trait Chance {
    /// `true` with probability `p` (clamped to [0, 1]).
    fn bernoulli(&mut self, p: f64) -> bool;
    /// An index in `0..probs.len()` drawn with the given probabilities (which sum to 1).
    fn choose(&mut self, probs: &[f64]) -> usize;
}

/// Draws from a seeded ChaCha8 stream: reproducible on every platform and thread count.
#[derive(Debug, Clone)]
pub struct Sampler {
    rng: ChaCha8Rng,
}

impl Sampler {
    /// A sampler seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Sampler {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A uniform draw in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// A uniform index in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n)
    }
}

impl Chance for Sampler {
    #[inline]
    fn bernoulli(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            false
        } else if p >= 1.0 {
            true
        } else {
            self.uniform() < p
        }
    }

    fn choose(&mut self, probs: &[f64]) -> usize {
        let u = self.uniform();
        let mut acc = 0.0;
        for (i, p) in probs.iter().enumerate() {
            acc += p;
            if u < acc {
                return i;
            }
        }
        probs.iter().rposition(|p| *p > 0.0).unwrap_or(0)
    }
}

/// Walks every sequence of draws a deterministic procedure can make, depth first.
///
/// Run the procedure once per call of [`Enumerator::next_run`]; inside, each draw follows the
/// current path or extends it. After the run, [`Enumerator::probability`] is the probability of
/// the outcome just produced. Branches of probability zero are never visited.
#[derive(Debug, Default, Clone)]
pub struct Enumerator {
    /// Per level: the chosen option, the number of options, and where its probabilities start.
    levels: Vec<(u32, u32, u32)>,
    probs: Vec<f64>,
    depth: usize,
    probability: f64,
    started: bool,
}

impl Enumerator {
    /// A fresh enumerator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Prepares the next run; `false` when every outcome has been produced.
    pub fn next_run(&mut self) -> bool {
        if self.started {
            // Truncate to the levels the last run used, then advance the deepest level that has
            // another option of non-zero probability.
            if let Some(&(_, _, off)) = self.levels.get(self.depth) {
                self.probs.truncate(off as usize);
            }
            self.levels.truncate(self.depth);
            loop {
                let Some(&(chosen, n, off)) = self.levels.last() else {
                    self.reset();
                    return false;
                };
                let next = (chosen + 1..n).find(|&o| self.probs[(off + o) as usize] > 0.0);
                match next {
                    Some(o) => {
                        self.levels.last_mut().expect("non-empty").0 = o;
                        break;
                    }
                    None => {
                        self.levels.pop();
                        self.probs.truncate(off as usize);
                    }
                }
            }
        }
        self.started = true;
        self.depth = 0;
        self.probability = 1.0;
        true
    }

    /// The probability of the outcome produced by the last run.
    pub fn probability(&self) -> f64 {
        self.probability
    }

    fn reset(&mut self) {
        self.levels.clear();
        self.probs.clear();
        self.depth = 0;
        self.started = false;
    }

    fn draw(&mut self, probs: &[f64]) -> usize {
        let choice = if self.depth < self.levels.len() {
            self.levels[self.depth].0 as usize
        } else {
            let off = self.probs.len() as u32;
            self.probs.extend_from_slice(probs);
            let first = probs.iter().position(|p| *p > 0.0).unwrap_or(0);
            self.levels.push((first as u32, probs.len() as u32, off));
            first
        };
        self.depth += 1;
        self.probability *= probs[choice];
        choice
    }
}

impl Chance for Enumerator {
    fn bernoulli(&mut self, p: f64) -> bool {
        let p = p.clamp(0.0, 1.0);
        self.draw(&[1.0 - p, p]) == 1
    }

    fn choose(&mut self, probs: &[f64]) -> usize {
        self.draw(probs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(mut f: impl FnMut(&mut Enumerator) -> u32) -> Vec<(u32, f64)> {
        let mut e = Enumerator::new();
        let mut out = Vec::new();
        while e.next_run() {
            let v = f(&mut e);
            out.push((v, e.probability()));
        }
        out
    }

    #[test]
    fn enumerates_two_coins() {
        let out = outcomes(|c| c.bernoulli(0.25) as u32 * 2 + c.bernoulli(0.5) as u32);
        assert_eq!(out, vec![(0, 0.375), (1, 0.375), (2, 0.125), (3, 0.125)]);
    }

    #[test]
    fn skips_impossible_branches_and_varies_depth() {
        // The second draw only happens on one branch; p = 0 and p = 1 draws never branch.
        let out = outcomes(|c| {
            if c.choose(&[0.5, 0.0, 0.5]) == 0 {
                10 + c.bernoulli(1.0) as u32
            } else {
                20 + c.bernoulli(0.0) as u32
            }
        });
        assert_eq!(out, vec![(11, 0.5), (20, 0.5)]);
    }

    #[test]
    fn no_draw_is_one_outcome() {
        assert_eq!(outcomes(|_| 7), vec![(7, 1.0)]);
    }

    #[test]
    fn sampler_is_reproducible() {
        let a: Vec<bool> = {
            let mut s = Sampler::new(9);
            (0..64).map(|_| s.bernoulli(0.3)).collect()
        };
        let mut s = Sampler::new(9);
        assert!(a.iter().all(|&x| x == s.bernoulli(0.3)));
    }
}
