//! Seeded random streams. Each part of the world draws from its own stream, derived from the
//! seed and a label, so that changing how one part draws does not reshuffle the others, and a
//! sales plan does not depend on the order in which the driver asks for plans.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub type DemoRng = ChaCha8Rng;

/// A stream for `label` under `seed`: the same pair always gives the same stream.
pub fn stream(seed: u64, label: &str) -> DemoRng {
    let mut hasher = StableHasher::new(seed);
    hasher.write(label.as_bytes());
    DemoRng::seed_from_u64(hasher.finish())
}

/// FNV-1a over bytes, finished with SplitMix64: stable across platforms and Rust versions,
/// unlike `std`'s hashers.
pub struct StableHasher {
    state: u64,
}

impl StableHasher {
    pub fn new(seed: u64) -> Self {
        let mut hasher = StableHasher {
            state: 0xcbf2_9ce4_8422_2325,
        };
        hasher.write(&seed.to_le_bytes());
        hasher
    }

    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.state ^= u64::from(*b);
            self.state = self.state.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator, so that ("ab", "c") and ("a", "bc") differ.
        self.state ^= 0xff;
        self.state = self.state.wrapping_mul(0x0000_0100_0000_01b3);
    }

    pub fn finish(&self) -> u64 {
        let mut z = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_depend_on_seed_and_label_only() {
        let draw = |seed, label| stream(seed, label).random::<u64>();
        assert_eq!(draw(7, "people"), draw(7, "people"));
        assert_ne!(draw(7, "people"), draw(8, "people"));
        assert_ne!(draw(7, "people"), draw(7, "reps"));
    }

    #[test]
    fn parts_are_separated() {
        let hash = |parts: &[&str]| {
            let mut h = StableHasher::new(1);
            for p in parts {
                h.write(p.as_bytes());
            }
            h.finish()
        };
        assert_ne!(hash(&["ab", "c"]), hash(&["a", "bc"]));
    }
}
