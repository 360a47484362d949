//! Tabular state keys: observations interned into dense ids, and the action-value table.
//!
//! A tabular agent keys its values by the full observation (as the AI Safety Gridworlds'
//! tabular baselines do). [`StateIndex`] interns observations: a 64-bit hash of the bytes
//! locates a slot of a hand-written open-addressing table, and the stored bytes are compared in
//! full, so two observations never share an id. Ids are handed out in insertion order, which
//! depends only on the order of the calls, never on a hasher's random state.

/// A stable 64-bit hash of an observation (multiply-rotate over 8-byte words, then a
/// SplitMix64 finalizer). Not cryptographic; collisions are resolved by a full-key comparison.
#[inline]
pub fn hash_observation(obs: &[u8]) -> u64 {
    let mut h: u64 = 0x243F_6A88_85A3_08D3 ^ obs.len() as u64;
    let mut chunks = obs.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    goodhart_core::seed::mix(h)
}

const EMPTY: u32 = u32::MAX;

/// Observations interned into dense ids `0..len()`, in the order they were first inserted.
#[derive(Debug, Clone)]
pub struct StateIndex {
    obs_len: usize,
    /// `keys[id * obs_len..(id + 1) * obs_len]` is the observation with that id.
    keys: Vec<u8>,
    hashes: Vec<u64>,
    /// Open addressing with linear probing; a power of two, at most half full.
    slots: Vec<u32>,
}

impl StateIndex {
    /// An empty index for observations of `obs_len` bytes.
    pub fn new(obs_len: usize) -> Self {
        StateIndex {
            obs_len,
            keys: Vec::new(),
            hashes: Vec::new(),
            slots: vec![EMPTY; 64],
        }
    }

    /// Bytes per observation.
    pub fn obs_len(&self) -> usize {
        self.obs_len
    }

    /// Number of distinct observations stored.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The observation with id `id`.
    pub fn key(&self, id: u32) -> &[u8] {
        let i = id as usize * self.obs_len;
        &self.keys[i..i + self.obs_len]
    }

    /// The id of `obs` (whose hash is `h`, from [`hash_observation`]), if stored.
    #[inline]
    pub fn find(&self, obs: &[u8], h: u64) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let id = self.slots[i];
            if id == EMPTY {
                return None;
            }
            if self.hashes[id as usize] == h && self.key(id) == obs {
                return Some(id);
            }
            i = (i + 1) & mask;
        }
    }

    /// The id of `obs`, inserting it if new; the flag says whether it was inserted.
    pub fn insert(&mut self, obs: &[u8], h: u64) -> (u32, bool) {
        debug_assert_eq!(obs.len(), self.obs_len);
        if let Some(id) = self.find(obs, h) {
            return (id, false);
        }
        if (self.hashes.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let id = self.hashes.len() as u32;
        self.keys.extend_from_slice(obs);
        self.hashes.push(h);
        self.place(id);
        (id, true)
    }

    fn place(&mut self, id: u32) {
        let mask = self.slots.len() - 1;
        let mut i = self.hashes[id as usize] as usize & mask;
        while self.slots[i] != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = id;
    }

    fn grow(&mut self) {
        self.slots = vec![EMPTY; self.slots.len() * 2];
        for id in 0..self.hashes.len() as u32 {
            self.place(id);
        }
    }

    /// The stored id whose observation differs from `obs` in the fewest bytes (ties: the
    /// lowest id), with that distance; `None` when empty. A linear scan, for evaluation only.
    pub fn nearest(&self, obs: &[u8]) -> Option<(u32, usize)> {
        let mut best: Option<(u32, usize)> = None;
        for id in 0..self.len() as u32 {
            let d = self.key(id).iter().zip(obs).filter(|(a, b)| a != b).count();
            if best.is_none_or(|(_, bd)| d < bd) {
                best = Some((id, d));
                if d == 0 {
                    break;
                }
            }
        }
        best
    }
}

/// Action values per interned state: `width` numbers per state (one per action, or two per
/// action for double Q-learning, whose two estimates sit side by side).
#[derive(Debug, Clone)]
pub struct ValueTable {
    width: usize,
    init: f64,
    values: Vec<f64>,
}

impl ValueTable {
    /// An empty table of rows of `width` values, new rows filled with `init`.
    pub fn new(width: usize, init: f64) -> Self {
        ValueTable {
            width,
            init,
            values: Vec::new(),
        }
    }

    /// Values per row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.values.len() / self.width
    }

    /// Adds rows (filled with the initial value) until there are `n`.
    pub fn ensure_rows(&mut self, n: usize) {
        if self.rows() < n {
            self.values.resize(n * self.width, self.init);
        }
    }

    /// Row `id`.
    #[inline]
    pub fn row(&self, id: u32) -> &[f64] {
        let i = id as usize * self.width;
        &self.values[i..i + self.width]
    }

    /// Row `id`, mutable.
    #[inline]
    pub fn row_mut(&mut self, id: u32) -> &mut [f64] {
        let i = id as usize * self.width;
        &mut self.values[i..i + self.width]
    }

    /// The initial value of new rows.
    pub fn init(&self) -> f64 {
        self.init
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_in_order_and_finds_again() {
        let mut ix = StateIndex::new(3);
        let mut ids = Vec::new();
        for i in 0..500u32 {
            let obs = [(i % 7) as u8, (i / 7 % 11) as u8, (i % 5) as u8];
            ids.push(ix.insert(&obs, hash_observation(&obs)).0);
        }
        // 7 * 5 combinations of the first and last byte are tied to i mod 35; the middle byte
        // adds i / 7 mod 11: all 385 distinct triples in order of first appearance.
        assert_eq!(ix.len(), 385);
        for (i, &id) in ids.iter().enumerate() {
            let obs = [(i % 7) as u8, (i / 7 % 11) as u8, (i % 5) as u8];
            assert_eq!(ix.find(&obs, hash_observation(&obs)), Some(id));
            assert_eq!(ix.key(id), &obs);
        }
        assert_eq!(ix.find(&[9, 9, 9], hash_observation(&[9, 9, 9])), None);
    }

    #[test]
    fn equal_hashes_are_told_apart_by_the_key() {
        let mut ix = StateIndex::new(2);
        // Force a collision: same hash value, different bytes.
        let (a, _) = ix.insert(&[1, 2], 42);
        let (b, new) = ix.insert(&[2, 1], 42);
        assert!(new);
        assert_ne!(a, b);
        assert_eq!(ix.find(&[1, 2], 42), Some(a));
        assert_eq!(ix.find(&[2, 1], 42), Some(b));
    }

    #[test]
    fn nearest_counts_differing_bytes() {
        let mut ix = StateIndex::new(4);
        for obs in [[0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]] {
            ix.insert(&obs, hash_observation(&obs));
        }
        assert_eq!(ix.nearest(&[1, 1, 1, 0]), Some((1, 1)));
        assert_eq!(ix.nearest(&[1, 1, 1, 1]), Some((2, 0)));
    }

    #[test]
    fn hash_depends_on_every_byte() {
        let a = hash_observation(&[0; 13]);
        for i in 0..13 {
            let mut b = [0u8; 13];
            b[i] = 1;
            assert_ne!(a, hash_observation(&b));
        }
    }
}
