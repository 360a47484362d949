//! Memoized observations. A gridworld's observation is a pure function of its compact `Copy`
//! state, and the same few states recur all the time, so batched stepping keeps the last
//! observation rendered for each state in a small direct-mapped cache, and the learners map a
//! state straight to its table row without rendering or hashing the board at all.
//!
//! Results are identical with and without the caches: a hit returns exactly what rendering
//! would have written (the key is compared in full), and a miss renders.

use std::hash::{Hash, Hasher};

use goodhart_core::{Env, seed};
use goodhart_grid::{GridEnv, GridState};

/// An environment whose observation is a pure function of a small `Copy` key.
///
/// Implement it with `MEMOIZE = false` (and any key) for an env that has no such key; the
/// caches are then bypassed.
pub trait StateKey {
    /// Everything [`Env::observe`] reads.
    type Key: Copy + Eq + Hash + Send + Sync + std::fmt::Debug;
    /// Whether caching by [`StateKey::state_key`] is valid.
    const MEMOIZE: bool = true;
    /// The key of the current state.
    fn state_key(&self) -> Self::Key;
    /// A well-mixed hash of a key (the default runs the key's `Hash` through FxHash).
    #[inline]
    fn key_hash(key: &Self::Key) -> u64 {
        let mut h = Fx::default();
        key.hash(&mut h);
        h.finish()
    }
}

impl StateKey for GridEnv {
    type Key = GridState;

    #[inline]
    fn state_key(&self) -> GridState {
        *self.state()
    }

    #[inline]
    fn key_hash(k: &GridState) -> u64 {
        let a = u64::from(k.agent) | u64::from(k.level) << 16 | u64::from(k.flags) << 32;
        let m = k
            .movers
            .iter()
            .fold(0u64, |acc, &x| acc << 16 | u64::from(x));
        seed::mix(
            a ^ m.rotate_left(23).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ k.items.wrapping_mul(0xD6E8_FEB8_6659_FD93),
        )
    }
}

/// FxHash's word step (rustc's hasher), then a finalizer; for cache slots only.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        seed::mix(self.0)
    }
}

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Observations by state key: a direct-mapped cache (a new entry evicts the old one).
#[derive(Debug, Clone)]
pub(crate) struct ObsMemo<K> {
    keys: Vec<Option<K>>,
    obs: Vec<u8>,
    obs_len: usize,
}

impl<K: Copy + Eq + Hash> ObsMemo<K> {
    /// A cache of `entries` (rounded up to a power of two) observations of `obs_len` bytes.
    pub(crate) fn new(entries: usize, obs_len: usize) -> Self {
        let n = entries.next_power_of_two();
        ObsMemo {
            keys: vec![None; n],
            obs: vec![0; n * obs_len],
            obs_len,
        }
    }

    /// Writes `env`'s observation into `out`, from the cache when it holds the state.
    #[inline]
    pub(crate) fn observe<E: Env + StateKey<Key = K>>(&mut self, env: &E, out: &mut [u8]) {
        if !E::MEMOIZE {
            env.observe(out);
            return;
        }
        let k = env.state_key();
        let i = E::key_hash(&k) as usize & (self.keys.len() - 1);
        let cached = &mut self.obs[i * self.obs_len..(i + 1) * self.obs_len];
        if self.keys[i] == Some(k) {
            out.copy_from_slice(cached);
        } else {
            env.observe(out);
            cached.copy_from_slice(out);
            self.keys[i] = Some(k);
        }
    }
}

/// Table ids by state key: a direct-mapped cache.
#[derive(Debug, Clone)]
pub(crate) struct IdMemo<K> {
    keys: Vec<Option<K>>,
    ids: Vec<u32>,
}

impl<K: Copy + Eq + Hash> IdMemo<K> {
    /// A cache of `entries` (rounded up to a power of two) ids.
    pub(crate) fn new(entries: usize) -> Self {
        let n = entries.next_power_of_two();
        IdMemo {
            keys: vec![None; n],
            ids: vec![0; n],
        }
    }

    /// The slot of a key with hash `h` (pass it back to [`IdMemo::get`] and
    /// [`IdMemo::put`]).
    #[inline]
    pub(crate) fn slot(&self, h: u64) -> usize {
        h as usize & (self.keys.len() - 1)
    }

    /// The id cached for `key`.
    #[inline]
    pub(crate) fn get(&self, slot: usize, key: &K) -> Option<u32> {
        (self.keys[slot] == Some(*key)).then(|| self.ids[slot])
    }

    /// Caches `id` for `key`.
    #[inline]
    pub(crate) fn put(&mut self, slot: usize, key: K, id: u32) {
        self.keys[slot] = Some(key);
        self.ids[slot] = id;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memoized_observations_equal_rendered_ones() {
        let s = goodhart_grid::catalog::load("side_effects_sokoban:level0", &[]).unwrap();
        let mut env = GridEnv::new(s);
        let mut memo = ObsMemo::new(4, env.observation_len());
        let (mut a, mut b) = (vec![0u8; 36], vec![0u8; 36]);
        let mut rng = goodhart_core::Sampler::new(4);
        env.reset(0);
        for _ in 0..2000 {
            memo.observe(&env, &mut a);
            env.observe(&mut b);
            assert_eq!(a, b);
            if env.step(rng.below(4)).unwrap().done() {
                env.reset(1);
            }
        }
    }
}
