//! Request bodies a client compressed: Codex sends its requests with
//! `content-encoding: zstd`. Such a body is decoded so its tool results can
//! be compressed; the proxy then forwards the new body plain (without the
//! header: every HTTP server takes an identity body, not every upstream a
//! zstd one), or, when nothing changed, the client's own bytes with their
//! header. A body that does not decode goes on untouched.

use std::io::Read;

use axum::http::HeaderValue;
use bytes::Bytes;

/// The decoded body, or `None` when the encoding is not one the proxy
/// reads, the bytes do not decode, or they decode to more than `limit`.
pub async fn decode(encoding: &HeaderValue, body: Bytes, limit: usize) -> Option<Bytes> {
    if !encoding
        .to_str()
        .is_ok_and(|e| e.trim().eq_ignore_ascii_case("zstd"))
    {
        return None;
    }
    tokio::task::spawn_blocking(move || zstd_decode(&body, limit))
        .await
        .ok()
        .flatten()
}

fn zstd_decode(body: &[u8], limit: usize) -> Option<Bytes> {
    let mut out = Vec::new();
    zstd::stream::read::Decoder::new(body)
        .ok()?
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() <= limit).then(|| Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zstd_within_the_limit() {
        let text = b"{\"messages\":[]}".repeat(100);
        let packed = zstd::stream::encode_all(&text[..], 3).unwrap();
        assert_eq!(zstd_decode(&packed, text.len()).unwrap(), text[..]);
        assert_eq!(zstd_decode(&packed, text.len() - 1), None);
        assert_eq!(zstd_decode(b"not zstd", 1 << 20), None);
    }
}
