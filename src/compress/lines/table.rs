//! Tables among lines: CSV/TSV (a delimiter every row shares) and
//! column-aligned command output (`kubectl get`, `docker ps`, `ps aux`,
//! `df`, `pip list`), where a header names columns and every row leaves
//! the same gaps between them.
//!
//! Only the cells are read here, to find the rare value and the outlier in
//! a column; the rows themselves are always printed as they are.

/// A table found in the lines: which line is its header and the cells of
/// each row.
#[derive(Debug)]
pub struct Table<'a> {
    pub header: usize,
    /// Line index and cells of each data row, in order.
    pub rows: Vec<(usize, Vec<&'a str>)>,
    /// Lines that belong to the header: a repeat of it, a `---- ----` rule.
    pub header_lines: Vec<usize>,
}

/// How many leading lines are sampled to recognise a delimiter.
const SAMPLE: usize = 64;
/// Data rows needed before lines count as a table.
const MIN_ROWS: usize = 5;

/// The table `lines` hold, if they hold one.
pub fn detect<'a, S: AsRef<str>>(lines: &'a [S]) -> Option<Table<'a>> {
    let header = lines.iter().position(|l| !l.as_ref().trim().is_empty())?;
    delimited(lines, header).or_else(|| aligned(lines, header))
}

/// Whether `text` starts like CSV or TSV: the first lines (at least five)
/// all have the same number of delimiters, one at least.
pub fn looks_delimited(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(SAMPLE)
        .collect();
    lines.len() >= MIN_ROWS && delimiter(&lines).is_some()
}

fn delimiter<S: AsRef<str>>(lines: &[S]) -> Option<char> {
    let sample = &lines[..lines.len().min(SAMPLE)];
    ['\t', ','].into_iter().find(|&d| {
        let header = split_delimited(sample[0].as_ref(), d);
        let first = header.len();
        // A header names its columns (a log's first field is a date).
        if header
            .iter()
            .any(|c| c.starts_with(|c: char| c.is_ascii_digit()))
            || (d == ',' && first < 3)
        {
            return false;
        }
        // A line may be cut short at the end of a sample.
        let same = sample
            .iter()
            .filter(|l| split_delimited(l.as_ref(), d).len() == first)
            .count();
        first >= 2 && same * 10 >= sample.len() * 9 && same >= MIN_ROWS.min(sample.len())
    })
}

fn delimited<'a, S: AsRef<str>>(lines: &'a [S], header: usize) -> Option<Table<'a>> {
    let nonblank: Vec<&str> = lines[header..]
        .iter()
        .map(|l| l.as_ref())
        .filter(|l| !l.trim().is_empty())
        .take(SAMPLE)
        .collect();
    if nonblank.len() < MIN_ROWS {
        return None;
    }
    let d = delimiter(&nonblank)?;
    let width = split_delimited(lines[header].as_ref(), d).len();
    let mut rows = Vec::new();
    for (i, l) in lines.iter().enumerate().skip(header + 1) {
        let cells = split_delimited(l.as_ref(), d);
        if cells.len() == width {
            rows.push((i, cells));
        }
    }
    (rows.len() >= MIN_ROWS).then_some(Table {
        header,
        rows,
        header_lines: vec![header],
    })
}

/// Splits a CSV/TSV row at `d` outside double quotes; cells keep their quotes.
pub fn split_delimited(line: &str, d: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in line.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == d && !quoted {
            out.push(line[start..i].trim());
            start = i + c.len_utf8();
        }
    }
    out.push(line[start..].trim());
    out
}

/// A header of column names followed by rows that leave a gap at the same
/// places: the columns are what lies between the gaps shared by every row.
fn aligned<'a, S: AsRef<str>>(lines: &'a [S], header: usize) -> Option<Table<'a>> {
    let head = lines[header].as_ref();
    let names: Vec<&str> = head.split_whitespace().collect();
    if names.len() < 2
        || !head.is_ascii()
        || names.iter().any(|w| {
            w.bytes().any(|b| b.is_ascii_digit()) || !w.bytes().any(|b| b.is_ascii_alphabetic())
        })
    {
        return None;
    }
    let last_name = head.rfind(|c: char| c.is_whitespace())? + 1;
    let mut header_lines = vec![header];
    let mut body: Vec<(usize, &str)> = Vec::new();
    for (i, l) in lines.iter().enumerate().skip(header + 1) {
        let l = l.as_ref();
        if l.trim().is_empty() {
            continue;
        }
        if l == head || is_rule(l) {
            header_lines.push(i);
        } else {
            body.push((i, l));
        }
    }
    if body.len() < MIN_ROWS {
        return None;
    }
    // A gap is a column where the header and (nearly) every row is blank.
    let allowed = body.len() / 50;
    let hb = head.as_bytes();
    let gap: Vec<bool> = (0..last_name)
        .map(|p| {
            hb[p] == b' '
                && body
                    .iter()
                    .filter(|(_, l)| l.as_bytes().get(p).is_some_and(|&b| b != b' '))
                    .count()
                    <= allowed
        })
        .collect();
    let mut starts = vec![0];
    for p in 1..last_name {
        if gap[p - 1] && !gap[p] {
            starts.push(p);
        }
    }
    if !gap.iter().any(|&g| g) || starts.len() < 2 {
        return None;
    }
    starts.push(last_name);
    // The last name may start where the column before it does.
    starts.dedup();
    let rows = body
        .into_iter()
        .map(|(i, l)| (i, cells_at(l, &starts)))
        .collect();
    Some(Table {
        header,
        rows,
        header_lines,
    })
}

/// The cells of `line` between the column starts; the last runs to the end.
fn cells_at<'a>(line: &'a str, starts: &[usize]) -> Vec<&'a str> {
    let mut out = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(line.len());
        let cell = line
            .get(s.min(line.len())..end.min(line.len()))
            .unwrap_or("");
        out.push(cell.trim());
    }
    out
}

/// `----  -------` or `+++-====`: a rule under a header.
fn is_rule(l: &str) -> bool {
    let t = l.trim();
    t.len() >= 3
        && t.bytes()
            .all(|b| matches!(b, b'-' | b'=' | b'+' | b' ' | b'|'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_and_quotes() {
        let mut lines = vec!["id,name,amount".to_string()];
        for i in 0..6 {
            lines.push(format!("{i},\"Doe, Jane\",{}", 10 + i));
        }
        let t = detect(&lines).unwrap();
        assert_eq!(t.header, 0);
        assert_eq!(t.rows.len(), 6);
        assert_eq!(t.rows[0].1, ["0", "\"Doe, Jane\"", "10"]);
        assert!(looks_delimited(&lines.join("\n")));
        assert!(!looks_delimited("a, b\nc\nd, e, f\ng\nh\n"));
    }

    #[test]
    fn aligned_columns_with_spaces_inside() {
        let lines = [
            "LAST SEEN   TYPE      REASON      OBJECT        MESSAGE",
            "5m          Normal    Scheduled   pod/api-1     Successfully assigned default/api-1",
            "5m          Normal    Pulled      pod/api-1     Container image already present",
            "4m          Warning   BackOff     pod/api-2     Back-off restarting failed container",
            "3m          Normal    Pulled      pod/api-3     Container image already present",
            "3m          Normal    Started     pod/api-3     Started container api",
            "2m30s       Normal    Created     pod/api-4     Created container api",
        ];
        let t = detect(&lines).unwrap();
        assert_eq!(
            t.rows[2].1,
            [
                "4m",
                "Warning",
                "BackOff",
                "pod/api-2",
                "Back-off restarting failed container"
            ]
        );
        let ps = [
            "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND",
            "root           1  0.0  0.1 167744 11200 ?        Ss   Nov30   0:03 /sbin/init splash",
            "root           2  0.0  0.0      0     0 ?        S    Nov30   0:00 [kthreadd]",
            "www-data    8812 91.3  2.0 902112 80120 ?        Sl   03:01  12:44 /usr/bin/python3 app.py",
            "root         400  0.0  0.0      0     0 ?        I<   Nov30   0:00 [kworker/R-rcu_g]",
            "systemd+    1001  0.1  0.2  90000  9000 ?        Ss   Nov30   0:09 /lib/systemd/systemd-resolved",
        ];
        let t = detect(&ps).unwrap();
        assert_eq!(t.rows[2].1[2], "91.3");
        assert_eq!(t.rows[2].1.last(), Some(&"/usr/bin/python3 app.py"));
        assert!(detect(&["total 8", "-rw-r--r-- 1 a a 1 Jan 1 x"]).is_none());
    }
}
