//! Row-oriented access to a source text (tree-sitter positions are rows and
//! byte offsets; the outline is written line by line).

pub struct Source<'s> {
    pub text: &'s str,
    /// Byte offset where each row starts.
    starts: Vec<usize>,
    /// The newline the file uses, repeated in the lines we write.
    pub newline: &'static str,
}

impl<'s> Source<'s> {
    pub fn new(text: &'s str) -> Source<'s> {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let newline = match text.find('\n') {
            Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        Source {
            text,
            starts,
            newline,
        }
    }

    pub fn row_start(&self, row: usize) -> usize {
        self.starts.get(row).copied().unwrap_or(self.text.len())
    }

    /// The byte offset where the text of `row` ends (before its line ending).
    pub fn row_end(&self, row: usize) -> usize {
        self.row_start(row) + self.line(row).len()
    }

    /// The text of `row` without its line ending.
    pub fn line(&self, row: usize) -> &'s str {
        let start = self.row_start(row);
        let end = self.starts.get(row + 1).map_or(self.text.len(), |&e| e - 1);
        let line = &self.text[start..end.max(start)];
        line.strip_suffix('\r').unwrap_or(line)
    }

    /// The leading whitespace of `row`.
    pub fn indent(&self, row: usize) -> &'s str {
        let line = self.line(row);
        &line[..line.len() - line.trim_start().len()]
    }

    pub fn is_blank(&self, row: usize) -> bool {
        self.line(row).trim().is_empty()
    }

    /// Whether only whitespace stands between the start of its row and `byte`.
    pub fn starts_row(&self, row: usize, byte: usize) -> bool {
        self.text
            .get(self.row_start(row)..byte)
            .is_some_and(|s| s.trim().is_empty())
    }

    /// Whether only whitespace follows `byte` on `row`.
    pub fn ends_row(&self, row: usize, byte: usize) -> bool {
        self.text
            .get(byte..self.row_end(row))
            .is_some_and(|s| s.trim().is_empty())
    }
}
