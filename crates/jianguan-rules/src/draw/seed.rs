//! The seed (commit–reveal) and the ChaCha20 random streams it keys.
//!
//! ```text
//! commitment = hex(SHA-256(secret))                      published before
//! seed       = SHA-256(secret ‖ 0x00 ‖ UTF-8(public_value))   32 bytes
//! ```
//!
//! The secret is fixed by its published commitment before the public value
//! exists, and the public value is fixed by the world, so neither the
//! regulator nor anyone else can pick the seed. The separator byte keeps the
//! two parts apart; since the commitment pins the secret exactly, no other
//! split of the same bytes could be passed off.
//!
//! Random numbers come from ChaCha20 (20 rounds) in the original djb layout:
//! the 32-byte seed is the key, state words 12–13 are a 64-bit block counter
//! starting at 0 and words 14–15 the 64-bit stream id, both little-endian.
//! One random word is the next 8 keystream bytes read as a little-endian
//! `u64`. An integer uniform in `[0, n)` takes words `x` until
//! `x >= 2^64 mod n` and returns `x mod n`: the accepted range holds a whole
//! number of copies of `[0, n)`, so there is no bias. (`n = 1` accepts the
//! first word and still consumes it.)

use chacha20::ChaCha20Rng;
use chacha20::rand_core::{Rng as _, SeedableRng as _};
use sha2::{Digest, Sha256};
use std::fmt;

/// The 32-byte seed that keys every random stream of a draw.
pub type Seed = [u8; 32];

/// Shortest secret accepted: 128 bits, so that nobody can find it from its
/// commitment by trying candidates. The platform uses 32 random bytes.
pub const MIN_SECRET_LEN: usize = 16;

/// Stream id of team formation; stratum rules use `0, 1, 2, …`.
pub const TEAM_STREAM: u64 = u64::MAX;

/// Lower-case hex SHA-256 of the secret, published before the draw.
pub fn commitment(secret: &[u8]) -> String {
    hex::encode(Sha256::digest(secret))
}

/// `SHA-256(secret ‖ 0x00 ‖ UTF-8(public_value))`.
pub fn derive_seed(secret: &[u8], public_value: &str) -> Seed {
    let mut h = Sha256::new();
    h.update(secret);
    h.update([0u8]);
    h.update(public_value.as_bytes());
    h.finalize().into()
}

/// One numbered ChaCha20 stream of a seed, counting the words it has given
/// so that it can be resumed exactly ([`DrawStream::resume`]).
pub struct DrawStream {
    rng: ChaCha20Rng,
    stream: u64,
    position: u64,
}

impl fmt::Debug for DrawStream {
    // The key is the seed; keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DrawStream")
            .field("stream", &self.stream)
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl DrawStream {
    pub fn new(seed: &Seed, stream: u64) -> Self {
        Self::resume(seed, stream, 0)
    }

    /// The stream after `position` words have been taken from it.
    pub fn resume(seed: &Seed, stream: u64, position: u64) -> Self {
        let mut rng = ChaCha20Rng::from_seed(*seed);
        // set_stream resets the counter, so it must come first.
        rng.set_stream(stream);
        rng.set_word_pos(u128::from(position) * 2);
        Self { rng, stream, position }
    }

    /// The next 8 keystream bytes as a little-endian `u64`.
    pub fn next_word(&mut self) -> u64 {
        self.position = self.position.wrapping_add(1);
        // Words are always taken in pairs from an even offset, so this is
        // exactly the next 8 bytes of keystream.
        self.rng.next_u64()
    }

    /// Uniform integer in `[0, n)` by rejection (see the module
    /// documentation). The algorithm never asks for `n = 0`; it gets 0 and
    /// no word is used.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // 2^64 mod n, computed in 64 bits as (2^64 - n) mod n.
        let reject_under = n.wrapping_neg() % n;
        loop {
            let x = self.next_word();
            if x >= reject_under {
                return x % n;
            }
        }
    }

    /// Words taken so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    pub fn stream(&self) -> u64 {
        self.stream
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_key_matches_the_published_chacha20_block() {
        // RFC 8439 A.1 test vector #1 (key 0, nonce 0, counter 0) is the same
        // block in the djb layout: keystream 76 b8 e0 ad a0 f1 3d 90 …
        let mut s = DrawStream::new(&[0u8; 32], 0);
        assert_eq!(s.next_word(), 0x903d_f1a0_ade0_b876);
        assert_eq!(s.next_word(), 0x28bd_8653_e56a_5d40);
    }

    #[test]
    fn resume_continues_the_same_keystream() {
        let seed = derive_seed(b"0123456789abcdef", "x");
        for stream in [0, 1, TEAM_STREAM] {
            let mut a = DrawStream::new(&seed, stream);
            let words: Vec<u64> = (0..70).map(|_| a.next_word()).collect();
            for p in [0u64, 1, 7, 8, 31, 32, 33, 69] {
                let mut b = DrawStream::resume(&seed, stream, p);
                assert_eq!(b.next_word(), words[p as usize], "stream {stream} position {p}");
                assert_eq!(b.position(), p + 1);
            }
        }
    }

    #[test]
    fn streams_differ() {
        let seed = derive_seed(b"0123456789abcdef", "x");
        let a = DrawStream::new(&seed, 0).next_word();
        let b = DrawStream::new(&seed, 1).next_word();
        let t = DrawStream::new(&seed, TEAM_STREAM).next_word();
        assert!(a != b && b != t && a != t);
    }

    #[test]
    fn below_is_in_range_and_uses_one_word_for_one() {
        let seed = derive_seed(b"0123456789abcdef", "y");
        let mut s = DrawStream::new(&seed, 3);
        assert_eq!(s.below(1), 0);
        assert_eq!(s.position(), 1);
        for n in [2u64, 3, 10, 1 << 40, u64::MAX] {
            assert!(s.below(n) < n);
        }
        assert_eq!(s.below(0), 0);
    }

    #[test]
    fn below_rejects_the_biased_tail() {
        // For n = 2^63 + 1 the rejection zone is [0, 2^63 - 1): roughly half
        // of all words are rejected, so over 64 draws some must be.
        let seed = derive_seed(b"0123456789abcdef", "z");
        let mut s = DrawStream::new(&seed, 0);
        let n = (1u64 << 63) + 1;
        for _ in 0..64 {
            assert!(s.below(n) < n);
        }
        assert!(s.position() > 64);
    }
}
