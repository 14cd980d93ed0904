//! Server-sent events, split out of a byte stream as it arrives.

use bytes::Bytes;

/// One event: its exact bytes (blank line included) and what it says.
#[derive(Debug, Clone)]
pub struct Event {
    pub raw: Bytes,
    /// The `event:` field, when there is one.
    pub name: Option<String>,
    /// The `data:` lines, joined by newlines.
    pub data: String,
}

impl Event {
    /// The event's bytes with `data` in place of its own data (name kept).
    pub fn with_data(&self, data: &str) -> Bytes {
        let mut s = String::with_capacity(data.len() + 32);
        if let Some(n) = &self.name {
            s.push_str("event: ");
            s.push_str(n);
            s.push('\n');
        }
        s.push_str("data: ");
        s.push_str(data);
        s.push_str("\n\n");
        Bytes::from(s)
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.data).ok()
    }
}

/// Splits a byte stream into events; partial events wait for more bytes.
#[derive(Default)]
pub struct Parser {
    buf: Vec<u8>,
    /// Where the next unread line starts in `buf`.
    scanned: usize,
    name: Option<String>,
    data: Option<String>,
}

impl Parser {
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Event> {
        self.buf.extend_from_slice(chunk);
        let mut events = Vec::new();
        let mut start = 0;
        while let Some(nl) = memchr::memchr(b'\n', &self.buf[self.scanned..]) {
            let end = self.scanned + nl;
            let line = &self.buf[self.scanned..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            self.scanned = end + 1;
            if line.is_empty() {
                events.push(Event {
                    raw: Bytes::copy_from_slice(&self.buf[start..self.scanned]),
                    name: self.name.take(),
                    data: self.data.take().unwrap_or_default(),
                });
                start = self.scanned;
                continue;
            }
            let line = String::from_utf8_lossy(line);
            let (field, value) = line.split_once(':').unwrap_or((&line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => self.name = Some(value.to_string()),
                "data" => match &mut self.data {
                    Some(d) => {
                        d.push('\n');
                        d.push_str(value);
                    }
                    None => self.data = Some(value.to_string()),
                },
                _ => {}
            }
        }
        self.buf.drain(..start);
        self.scanned -= start;
        events
    }

    /// What is left when the stream ends without a blank line.
    pub fn finish(&mut self) -> Option<Event> {
        let rest = self.feed(b"\n\n");
        rest.into_iter()
            .find(|e| !e.data.is_empty() || e.name.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_across_chunk_boundaries_keep_their_bytes() {
        let text = "event: a\ndata: {\"x\":1}\n\n: comment\r\ndata: one\r\ndata: two\r\n\r\ndata: [DONE]\n\n";
        for size in [1, 3, 7, 100] {
            let mut p = Parser::default();
            let mut got = Vec::new();
            for c in text.as_bytes().chunks(size) {
                got.extend(p.feed(c));
            }
            assert!(p.finish().is_none());
            let raw: Vec<u8> = got.iter().flat_map(|e| e.raw.to_vec()).collect();
            assert_eq!(raw, text.as_bytes());
            assert_eq!(got[0].name.as_deref(), Some("a"));
            assert_eq!(got[0].data, "{\"x\":1}");
            assert_eq!(got[1].data, "one\ntwo");
            assert_eq!(got[2].data, "[DONE]");
        }
        let mut p = Parser::default();
        assert!(p.feed(b"data: tail").is_empty());
        assert_eq!(p.finish().unwrap().data, "tail");
    }
}
