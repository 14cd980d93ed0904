//! `go test -json` event streams, shown as the test output they carry.
//!
//! Each event is a JSON object (`Time`, `Action`, `Package`, `Test`,
//! `Output`). The text a developer would have seen is the concatenation of
//! the `output` events; `run`, `pass`, `fail`, `pause` and `cont` events
//! repeat what that text already says (`=== RUN`, `--- FAIL: …`). Rendering
//! the stream as its output is lossy (timestamps go), so it is done only
//! when the original is stored.

use serde::Deserialize;

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Output")]
    output: Option<String>,
}

/// Whether `line` looks like one `go test -json` event.
pub fn is_event_line(line: &str) -> bool {
    let l = line.trim_start();
    (l.starts_with("{\"Time\":") || l.starts_with("{\"Action\":")) && l.contains("\"Action\":\"")
}

/// Whether most of the first non-blank lines are `go test -json` events.
pub fn looks_like<'a>(lines: impl Iterator<Item = &'a str>) -> bool {
    let (mut seen, mut events) = (0, 0);
    for l in lines.filter(|l| !l.trim().is_empty()).take(20) {
        seen += 1;
        events += usize::from(is_event_line(l));
    }
    seen > 0 && events * 10 >= seen * 6
}

/// The output text of the stream and how many events carried no output.
pub struct Rendered {
    pub text: String,
    pub silent_events: usize,
}

/// Renders the events of `lines` as their output; lines that are not
/// events (build errors printed around the stream) stay as they are.
pub fn render<S: AsRef<str>>(lines: &[S]) -> Rendered {
    let mut text = String::new();
    let mut silent_events = 0;
    for line in lines {
        let line = line.as_ref();
        let event = if is_event_line(line) {
            serde_json::from_str::<Event>(line).ok()
        } else {
            None
        };
        match event {
            Some(Event {
                action,
                output: Some(out),
            }) if action == "output" => {
                text.push_str(&out);
                if !out.ends_with('\n') {
                    text.push('\n');
                }
            }
            Some(_) => silent_events += 1,
            None => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    Rendered {
        text,
        silent_events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_output_events() {
        let lines = [
            r#"{"Time":"2022-06-19T13:44:44Z","Action":"run","Package":"p","Test":"TestA"}"#,
            r#"{"Time":"2022-06-19T13:44:44Z","Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}"#,
            r#"{"Time":"2022-06-19T13:44:44Z","Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:9: boom\n"}"#,
            r#"{"Time":"2022-06-19T13:44:44Z","Action":"fail","Package":"p","Test":"TestA","Elapsed":0}"#,
            "# p [build failed]",
        ];
        assert!(looks_like(lines.iter().copied()));
        let r = render(&lines);
        assert_eq!(
            r.text,
            "=== RUN   TestA\n    a_test.go:9: boom\n# p [build failed]\n"
        );
        assert_eq!(r.silent_events, 2);
        assert!(!looks_like(["plain", "text"].into_iter()));
    }
}
