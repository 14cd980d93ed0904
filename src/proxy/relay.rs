//! The response path: the upstream body is passed to the client chunk by
//! chunk as it arrives, while a tap reads the provider's token usage from
//! the same bytes (never holding them back). When the stream ends, however
//! it ends, the request's record is finished: completed, dropped by the
//! upstream, or cancelled by the client.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;

use crate::usage::UpstreamUsage;

/// How a response stream ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Complete,
    /// The upstream connection failed mid-body.
    Dropped,
    /// The client went away first.
    Cancelled,
}

/// Reads usage from an SSE stream or a JSON body as it passes.
#[derive(Default)]
pub struct UsageTap {
    /// Bytes of the current, unfinished SSE line (or the whole JSON body).
    pending: Vec<u8>,
    sse: Option<bool>,
    pub usage: UpstreamUsage,
}

/// A JSON body larger than this is not kept for its usage.
const MAX_JSON: usize = 4 * 1024 * 1024;

impl UsageTap {
    pub fn new(content_type: Option<&str>) -> UsageTap {
        UsageTap {
            sse: content_type.map(|c| c.starts_with("text/event-stream")),
            ..UsageTap::default()
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        match self.sse {
            Some(true) => {
                let mut rest = chunk;
                while let Some(i) = memchr::memchr(b'\n', rest) {
                    self.pending.extend_from_slice(&rest[..i]);
                    let line = std::mem::take(&mut self.pending);
                    self.line(&line);
                    rest = &rest[i + 1..];
                }
                if self.pending.len() + rest.len() <= MAX_JSON {
                    self.pending.extend_from_slice(rest);
                }
            }
            Some(false) => {
                if self.pending.len() + chunk.len() <= MAX_JSON {
                    self.pending.extend_from_slice(chunk);
                } else {
                    self.sse = None;
                    self.pending = Vec::new();
                }
            }
            None => {}
        }
    }

    /// Reads a complete JSON body at the end of the stream.
    pub fn finish(&mut self) {
        if self.sse == Some(false) {
            let body = std::mem::take(&mut self.pending);
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) {
                self.take(&v);
            }
        }
    }

    fn line(&mut self, line: &[u8]) {
        let Some(data) = line.strip_prefix(b"data:") else {
            return;
        };
        // Only events that carry usage are parsed at all.
        if memchr::memmem::find(data, b"\"usage\"").is_none() {
            return;
        }
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data.trim_ascii()) {
            self.take(&v);
        }
    }

    /// Merges the usage of one event or body: Anthropic's `message_start`
    /// (`message.usage`) and `message_delta` (`usage`), OpenAI Chat's last
    /// chunk or body (`usage`), Responses' `response.completed`
    /// (`response.usage`).
    fn take(&mut self, v: &serde_json::Value) {
        let usage = v
            .get("usage")
            .or_else(|| v.pointer("/message/usage"))
            .or_else(|| v.pointer("/response/usage"));
        let Some(u) = usage.filter(|u| u.is_object()) else {
            return;
        };
        let n = |p: &str| u.pointer(p).and_then(serde_json::Value::as_u64);
        let up = &mut self.usage;
        if let Some(x) = n("/input_tokens") {
            up.input = Some(x);
        }
        if let Some(x) = n("/output_tokens").or_else(|| n("/completion_tokens")) {
            up.output = Some(x);
        }
        if let Some(x) = n("/cache_creation_input_tokens") {
            up.cache_write = Some(x);
        }
        if let Some(x) = n("/cache_creation/ephemeral_1h_input_tokens") {
            up.cache_write_1h = Some(x);
        }
        let cached = n("/cache_read_input_tokens")
            .or_else(|| n("/prompt_tokens_details/cached_tokens"))
            .or_else(|| n("/input_tokens_details/cached_tokens"));
        if let Some(x) = cached {
            up.cache_read = Some(x);
        }
        // OpenAI counts cached tokens inside the prompt; the record keeps
        // uncached input, as Anthropic reports it.
        let openai_input = n("/prompt_tokens").or_else(|| {
            u.get("input_tokens_details")
                .and_then(|_| n("/input_tokens"))
        });
        if let Some(total) = openai_input {
            up.input = Some(total.saturating_sub(cached.unwrap_or(0)));
        }
    }
}

/// Called once when the relayed stream ends.
pub trait OnEnd: Send + 'static {
    fn done(self: Box<Self>, end: End, tap: UsageTap);
}

/// The upstream body with a tap and an end hook.
pub struct Relay<S> {
    inner: S,
    tap: UsageTap,
    on_end: Option<Box<dyn OnEnd>>,
}

impl<S> Relay<S> {
    pub fn new(inner: S, tap: UsageTap, on_end: Box<dyn OnEnd>) -> Relay<S> {
        Relay {
            inner,
            tap,
            on_end: Some(on_end),
        }
    }

    fn end(&mut self, end: End) {
        if let Some(f) = self.on_end.take() {
            self.tap.finish();
            f.done(end, std::mem::take(&mut self.tap));
        }
    }
}

impl<S, E> Stream for Relay<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Bytes, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.tap.feed(&chunk);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.end(End::Dropped);
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                this.end(End::Complete);
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S> Drop for Relay<S> {
    fn drop(&mut self) {
        // Dropped before the upstream finished: the client disconnected, and
        // dropping `inner` here closes the upstream request too.
        self.end(End::Cancelled);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anthropic_stream_usage_across_chunk_boundaries() {
        let sse = concat!(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":900,\"output_tokens\":1}}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":42}}\n\n",
        );
        let mut tap = UsageTap::new(Some("text/event-stream; charset=utf-8"));
        for chunk in sse.as_bytes().chunks(7) {
            tap.feed(chunk);
        }
        tap.finish();
        assert_eq!(
            tap.usage,
            UpstreamUsage {
                input: Some(12),
                output: Some(42),
                cache_write: Some(100),
                cache_write_1h: None,
                cache_read: Some(900),
            }
        );
    }

    #[test]
    fn openai_json_usage_excludes_cached_from_input() {
        let body = br#"{"id":"x","usage":{"prompt_tokens":1000,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":800}}}"#;
        let mut tap = UsageTap::new(Some("application/json"));
        tap.feed(&body[..10]);
        tap.feed(&body[10..]);
        tap.finish();
        assert_eq!(tap.usage.input, Some(200));
        assert_eq!(tap.usage.cache_read, Some(800));
        assert_eq!(tap.usage.output, Some(5));
    }

    #[test]
    fn responses_completed_event() {
        let line = b"data: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":50,\"input_tokens_details\":{\"cached_tokens\":20},\"output_tokens\":7}}}\n";
        let mut tap = UsageTap::new(Some("text/event-stream"));
        tap.feed(line);
        assert_eq!(tap.usage.input, Some(30));
        assert_eq!(tap.usage.cache_read, Some(20));
        assert_eq!(tap.usage.output, Some(7));
    }
}
