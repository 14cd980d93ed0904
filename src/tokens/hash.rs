//! The hash of the o200k token table, shared by `build.rs` (which fills the
//! table with it) and `src/tokens.rs` (which probes it): one definition, so
//! the two can never disagree.

/// Word-at-a-time multiplicative hash: fast for the short keys BPE probes,
/// and deterministic across builds and platforms.
#[inline]
pub fn token_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap());
        h = (h.rotate_left(26) ^ word).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // The tail as a zero-padded little-endian word, built without a
        // (non-inlined) variable-length copy.
        let word = rest
            .iter()
            .rev()
            .fold(0u64, |w, &b| (w << 8) | u64::from(b));
        h = (h.rotate_left(26) ^ word).wrapping_mul(K);
    }
    h
}
