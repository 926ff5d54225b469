//! Sources of randomness, passed as parameters everywhere: [`OsRandom`] for production and
//! [`SeededRandom`] for deterministic tests and the demo. Nothing in this crate reaches for
//! randomness on its own, and [`SeededRandom`] must never protect real data.

use std::fmt;
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// A source of cryptographically strong random bytes.
pub trait SecureRandom: Send + Sync {
    /// Fill `buf` entirely with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's CSPRNG (`getrandom`).
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl SecureRandom for OsRandom {
    /// # Panics
    ///
    /// If the operating system cannot supply random bytes. That is unrecoverable: there is
    /// no safe way to generate keys, nonces or tokens without it, and carrying on with
    /// predictable bytes would be far worse than stopping.
    fn fill(&self, buf: &mut [u8]) {
        if let Err(err) = getrandom::fill(buf) {
            panic!("the operating system random number generator failed ({err}); cannot continue safely");
        }
    }
}

/// Deterministic random bytes from a 32-byte seed: SHA-256 in counter mode,
/// `block_i = SHA-256("custos-seeded-random-v1" || seed || i as u64 big-endian)`.
///
/// **NOT for production.** Anyone who knows the seed knows every key, nonce and token it
/// produced. It exists so that tests and the demo data set are reproducible.
pub struct SeededRandom {
    state: Mutex<SeededState>,
}

struct SeededState {
    seed: Zeroizing<[u8; 32]>,
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl Drop for SeededState {
    fn drop(&mut self) {
        self.block.zeroize();
    }
}

impl SeededRandom {
    /// A generator from a full 32-byte seed.
    pub fn new(seed: [u8; 32]) -> Self {
        Self { state: Mutex::new(SeededState { seed: Zeroizing::new(seed), counter: 0, block: [0; 32], used: 32 }) }
    }

    /// A generator from a small integer seed (convenient in tests).
    pub fn from_u64(seed: u64) -> Self {
        let mut full = [0u8; 32];
        full[..8].copy_from_slice(&seed.to_be_bytes());
        Self::new(full)
    }
}

impl fmt::Debug for SeededRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SeededRandom(**redacted**, NOT for production)")
    }
}

impl SecureRandom for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        // A poisoned lock only means another thread panicked mid-fill; the state is still
        // a valid counter position, so keep going rather than panic here too.
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for out in buf.iter_mut() {
            if st.used == st.block.len() {
                let mut h = Sha256::new();
                h.update(b"custos-seeded-random-v1");
                h.update(st.seed.as_slice());
                h.update(st.counter.to_be_bytes());
                st.block = h.finalize().into();
                st.counter = st.counter.wrapping_add(1);
                st.used = 0;
            }
            *out = st.block[st.used];
            st.used += 1;
        }
    }
}

/// `N` random bytes from `rng`, in a buffer wiped on drop.
pub(crate) fn random_key<const N: usize>(rng: &dyn SecureRandom) -> Zeroizing<[u8; N]> {
    let mut out = Zeroizing::new([0u8; N]);
    rng.fill(out.as_mut_slice());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_deterministic_and_seed_dependent() {
        let (a, b, c) = (SeededRandom::from_u64(7), SeededRandom::from_u64(7), SeededRandom::from_u64(8));
        let (mut x, mut y, mut z) = ([0u8; 100], [0u8; 100], [0u8; 100]);
        a.fill(&mut x);
        // Split reads give the same stream as one read.
        b.fill(&mut y[..33]);
        b.fill(&mut y[33..]);
        c.fill(&mut z);
        assert_eq!(x, y);
        assert_ne!(x, z);
        assert_ne!(x[..32], x[32..64]);
    }

    #[test]
    fn os_random_fills() {
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        OsRandom.fill(&mut x);
        OsRandom.fill(&mut y);
        assert_ne!(x, y);
    }

    #[test]
    fn debug_redacts_seed() {
        let r = SeededRandom::from_u64(1);
        assert!(format!("{r:?}").contains("redacted"));
    }
}
