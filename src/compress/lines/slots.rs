//! Facts in the cells of similar rows: a rare value in a column of few
//! values (`CrashLoopBackOff` among `Running`, `Warning` among `Normal`)
//! and a number far outside its column (a process at 90% CPU, `12000ms`
//! among `20..90ms`). A column is a table's column or the same token slot
//! of lines that share a shape, so numbers inside messages count too.

use std::collections::HashMap;

use super::shape::{is_calendar_word, leading_number, strip_tree, tokenize};

/// A row: its line index and its cells.
type Row<'a> = (usize, Vec<&'a str>);

/// A column with at most this many values (and values repeating four
/// times on average) is a category.
const MAX_CATEGORIES: usize = 12;
/// A category value in at most one row in this many is rare.
const RARE_SHARE: usize = 20;
/// Occurrences of one rare value kept.
const RARE_HEAD: usize = 3;
/// Outliers kept per column, the most extreme first.
const MAX_HIGH: usize = 3;
const MAX_LOW: usize = 3;
/// Values needed before a column's outliers mean anything.
const MIN_VALUES: usize = 8;
/// Category columns named in a marker.
const LABEL_COLUMNS: usize = 2;

/// Marks in `facts` the rows (by line index) that hold a rare value or an
/// outlier, and writes each row's category (its values in the category
/// columns, e.g. `Normal Pulled`) into `category`. Rows of another width
/// than the first are left alone.
pub fn analyse(rows: &[(usize, Vec<&str>)], facts: &mut [bool], category: &mut [String]) {
    analyse_columns(rows, true, facts, category);
}

/// Marks in `facts` the lines that hold a high outlier (and, with
/// `all_facts`, a low one or a rare value) in a token slot among the lines of their
/// template (`template[i]`, any id; blank lines are skipped), and writes
/// their categories into `category`.
pub fn by_template<S: AsRef<str>, K: Copy + Ord + std::hash::Hash>(
    lines: &[S],
    template: &[K],
    all_facts: bool,
    facts: &mut [bool],
    category: &mut [String],
) {
    // Token slots line up only between lines of one length.
    let mut groups: HashMap<(K, usize), Vec<Row>> = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        let tokens: Vec<&str> = tokenize(strip_tree(line.as_ref()))
            .iter()
            .map(|t| t.text)
            .collect();
        if tokens.is_empty() {
            continue;
        }
        groups
            .entry((template[i], tokens.len()))
            .or_default()
            .push((i, tokens));
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|(key, _)| *key);
    for (_, rows) in groups {
        if rows.len() >= MIN_VALUES {
            analyse_columns(&rows, all_facts, facts, category);
        }
    }
}

fn analyse_columns(
    rows: &[(usize, Vec<&str>)],
    all_facts: bool,
    facts: &mut [bool],
    category: &mut [String],
) {
    let Some(width) = rows.first().map(|r| r.1.len()) else {
        return;
    };
    let rows: Vec<&(usize, Vec<&str>)> = rows.iter().filter(|r| r.1.len() == width).collect();
    let n = rows.len();
    let mut label_columns = Vec::new();
    for col in 0..width {
        let cells: Vec<(usize, &str)> = rows
            .iter()
            .map(|(line, cells)| (*line, cells[col]))
            .filter(|(_, c)| !c.is_empty())
            .collect();
        let numbers: Vec<(f64, usize)> = cells
            .iter()
            .filter_map(|&(line, c)| leading_number(c).map(|x| (x, line)))
            .collect();
        if numbers.len() * 5 >= cells.len() * 4 {
            outliers(numbers, all_facts, facts);
            continue;
        }
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut values: Vec<Vec<usize>> = Vec::new();
        for &(line, c) in &cells {
            let k = *index.entry(c).or_insert_with(|| {
                values.push(Vec::new());
                values.len() - 1
            });
            values[k].push(line);
        }
        let d = values.len();
        // Times, dates and counts (`03:15`, `Nov`, `2/2`) vary like numbers.
        let numeric = cells
            .iter()
            .filter(|(_, c)| c.starts_with(|c: char| c.is_ascii_digit()) || is_calendar_word(c))
            .count();
        if !(2..=MAX_CATEGORIES).contains(&d) || d * 4 > n || numeric * 2 >= cells.len() {
            continue;
        }
        label_columns.push(col);
        for lines in values.iter().filter(|_| all_facts) {
            if lines.len() * RARE_SHARE <= n {
                for &line in lines.iter().take(RARE_HEAD) {
                    facts[line] = true;
                }
            }
        }
    }
    label_columns.truncate(LABEL_COLUMNS);
    if label_columns.is_empty() {
        return;
    }
    for (line, cells) in rows {
        let words: Vec<&str> = label_columns.iter().map(|&c| cells[c]).collect();
        category[*line] = words.join(" ").trim().to_string();
    }
}

/// Keeps the values far above (or below) the bulk of the column: beyond
/// three interquartile ranges of the quartiles and at least twice (half)
/// the median.
fn outliers(mut values: Vec<(f64, usize)>, low_too: bool, facts: &mut [bool]) {
    if values.len() < MIN_VALUES {
        return;
    }
    values.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize].0;
    let (q1, median, q3) = (at(0.25), at(0.5), at(0.75));
    let iqr = q3 - q1;
    let far = |x: f64| x > q3 + 3.0 * iqr && x > 2.0 * median.max(0.0) && x > median;
    let candidates = values.iter().rev().take_while(|v| far(v.0)).count();
    // Many values far from a bulk of zeros (CPU shares) are a tail, not
    // outliers: only those at least twice the rest of the tail stand out.
    let floor = if candidates > MAX_HIGH {
        2.0 * values[values.len() - 1 - MAX_HIGH].0
    } else {
        f64::NEG_INFINITY
    };
    let low = |x: f64| x < q1 - 3.0 * iqr && (x < 0.0 || x * 2.0 < median);
    for &(_, line) in values
        .iter()
        .rev()
        .take_while(|v| far(v.0) && v.0 >= floor)
        .take(MAX_HIGH)
    {
        facts[line] = true;
    }
    let lows = if low_too { MAX_LOW } else { 0 };
    for &(_, line) in values.iter().take_while(|v| low(v.0)).take(lows) {
        facts[line] = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_values_and_outliers() {
        let mut rows = Vec::new();
        for i in 0..100 {
            let status = if i == 41 {
                "CrashLoopBackOff"
            } else {
                "Running"
            };
            let ready = if i % 2 == 0 { "1/1" } else { "2/2" };
            let ms = if i == 77 {
                "12000ms".to_string()
            } else {
                format!("{}ms", 20 + i % 70)
            };
            rows.push((i, vec![ready, status, ms.leak() as &str]));
        }
        let mut facts = vec![false; 100];
        let mut category = vec![String::new(); 100];
        analyse(&rows, &mut facts, &mut category);
        let kept: Vec<usize> = (0..100).filter(|&i| facts[i]).collect();
        assert_eq!(kept, [41, 77]);
        assert_eq!(category[0], "Running");
        assert_eq!(category[41], "CrashLoopBackOff");
    }

    #[test]
    fn uniform_ids_have_no_outliers() {
        let rows: Vec<(usize, Vec<&str>)> = (0..50)
            .map(|i| (i, vec![format!("{}", 1000 + i * 37).leak() as &str]))
            .collect();
        let mut facts = vec![false; 50];
        analyse(&rows, &mut facts, &mut vec![String::new(); 50]);
        assert!(facts.iter().all(|f| !f));
    }
}
