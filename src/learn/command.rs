//! The structure of a shell command, for telling whether two commands do
//! the same job: leading `cd`, environment assignments, wrappers such as
//! `uv run` or `npx`, the program, its arguments, and what it is piped to.

/// Wrappers that run the program after them: the same job done another way.
const WRAPPERS: &[&[&str]] = &[
    &["uv", "run"],
    &["poetry", "run"],
    &["pipenv", "run"],
    &["pdm", "run"],
    &["hatch", "run"],
    &["rye", "run"],
    &["pnpm", "exec"],
    &["pnpm", "dlx"],
    &["yarn", "dlx"],
    &["bundle", "exec"],
    &["python", "-m"],
    &["python3", "-m"],
    &["corepack"],
    &["npx"],
    &["bunx"],
    &["sudo"],
    &["time"],
    &["command"],
];

/// Programs that do the same job under different names.
const FAMILIES: &[&[&str]] = &[
    &["npm", "pnpm", "yarn", "bun"],
    &["pip", "uv pip"],
    &["docker", "podman"],
    &["grep", "rg", "ag"],
    &["find", "fd", "fdfind"],
    &["cat", "bat", "batcat"],
];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// The directory of a leading `cd DIR &&` (as written).
    pub cd: Option<String>,
    /// `NAME=value` assignments and wrappers, in order (`uv run`, `npx`).
    pub prefix: Vec<String>,
    pub program: String,
    pub args: Vec<String>,
    /// Later pipeline stages, each as written (`head -50`).
    pub pipes: Vec<String>,
}

impl Shape {
    /// The command without its `cd`: prefix, program and arguments.
    pub fn core(&self) -> String {
        let mut parts: Vec<&str> = self.prefix.iter().map(String::as_str).collect();
        parts.push(&self.program);
        parts.extend(self.args.iter().map(String::as_str));
        parts.join(" ")
    }

    /// Prefix and program (`uv run pytest`).
    pub fn head(&self) -> String {
        let mut parts: Vec<&str> = self.prefix.iter().map(String::as_str).collect();
        parts.push(&self.program);
        parts.join(" ")
    }

    /// The program's family name: `python3.11` → `python`, `pnpm` → `npm`.
    pub fn family(&self) -> String {
        family(&self.program)
    }

    /// The core plus pipes other than `head`/`tail` (which only trim output).
    pub fn base(&self) -> String {
        let mut s = self.core();
        for p in &self.pipes {
            if !is_trim(p) {
                s.push_str(" | ");
                s.push_str(p);
            }
        }
        s
    }

    pub fn trimmed(&self) -> bool {
        self.pipes.iter().any(|p| is_trim(p))
    }
}

fn is_trim(stage: &str) -> bool {
    let prog = stage.split_whitespace().next().unwrap_or("");
    matches!(prog, "head" | "tail" | "less" | "more")
}

pub fn family(program: &str) -> String {
    let base = program.rsplit('/').next().unwrap_or(program);
    let stem = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    let stem = if stem.is_empty() { base } else { stem };
    for fam in FAMILIES {
        if fam.contains(&stem) {
            return fam[0].to_string();
        }
    }
    stem.to_string()
}

/// Splits a shell command into words and operators. Quotes are kept on
/// the word (so a quoted `|` is not a pipe); good enough for comparing
/// commands, not for running them.
fn words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = cmd.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            cur.push(c);
            if c == q {
                quote = None;
            } else if c == '\\'
                && q == '"'
                && let Some(n) = chars.next()
            {
                cur.push(n);
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                cur.push(c);
            }
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            '|' | '&' | ';' | '\n' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                let mut op = c.to_string();
                if (c == '|' || c == '&') && chars.peek() == Some(&c) {
                    op.push(chars.next().unwrap_or(c));
                }
                if c == '&' && op == "&" && out.last().is_some_and(|w: &String| w.ends_with('>')) {
                    // `2>&1`: a redirection, not an operator.
                    let mut w = out.pop().unwrap_or_default();
                    w.push('&');
                    cur = w;
                    continue;
                }
                out.push(op);
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn is_op(w: &str) -> bool {
    matches!(w, "|" | "||" | "&&" | ";" | "&" | "\n")
}

/// The shape of `cmd`, or `None` for an empty command.
pub fn parse(cmd: &str) -> Option<Shape> {
    let ws = words(cmd);
    // Pipelines separated by `&&`/`;`: leading `cd DIR` ones set the
    // directory; the first other one is the job.
    let mut shape = Shape::default();
    let mut i = 0;
    loop {
        let start = i;
        while i < ws.len() && !matches!(ws[i].as_str(), "&&" | ";" | "||" | "&" | "\n") {
            i += 1;
        }
        let seg = &ws[start..i];
        i += 1;
        match seg {
            [cd, dir] if cd == "cd" => {
                shape.cd = Some(unquote(dir));
            }
            [] if i < ws.len() => {}
            [] => return None,
            _ => {
                fill(&mut shape, seg);
                return (!shape.program.is_empty()).then_some(shape);
            }
        }
        if i >= ws.len() {
            return None;
        }
    }
}

fn fill(shape: &mut Shape, seg: &[String]) {
    let mut stages = seg.split(|w| w == "|");
    let first: Vec<&str> = stages
        .next()
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .filter(|w| !is_redirect(w))
        .collect();
    let mut rest = &first[..];
    'strip: loop {
        if let Some((w, tail)) = rest.split_first()
            && is_assignment(w)
        {
            shape.prefix.push(w.to_string());
            rest = tail;
            continue;
        }
        for wrapper in WRAPPERS {
            if rest.len() > wrapper.len() && rest[..wrapper.len()] == **wrapper {
                shape.prefix.extend(wrapper.iter().map(|w| w.to_string()));
                rest = &rest[wrapper.len()..];
                continue 'strip;
            }
        }
        break;
    }
    if let Some((program, args)) = rest.split_first() {
        shape.program = unquote(program);
        shape.args = args.iter().map(|a| a.to_string()).collect();
    }
    shape.pipes = stages
        .map(|s| {
            s.iter()
                .filter(|w| !is_op(w))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|s| !s.is_empty())
        .collect();
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        }
        None => false,
    }
}

fn is_redirect(w: &str) -> bool {
    w == "2>&1" || w == "2>/dev/null" || w == ">/dev/null" || w == "&>/dev/null"
}

fn unquote(w: &str) -> String {
    let t = w.trim_matches(|c| c == '\'' || c == '"');
    t.to_string()
}

/// How alike two argument lists are, 0 to 1 (`similar`'s diff ratio).
pub fn args_ratio(a: &[String], b: &[String]) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .diff_slices(&a, &b)
        .ratio()
}

/// Whether two commands try to do the same job: programs of one family
/// and alike arguments (the first one, a subcommand, equal).
pub fn same_job(a: &Shape, b: &Shape) -> bool {
    if a.family() != b.family() {
        // `docker-compose up` and `docker compose up`.
        let (x, y) = (split_program(a), split_program(b));
        let changed = x.program != a.program || y.program != b.program;
        return changed && x.family() == y.family() && same_job(&x, &y);
    }
    let sub = |s: &Shape| s.args.first().filter(|w| !w.starts_with('-')).cloned();
    if let (Some(x), Some(y)) = (sub(a), sub(b))
        && x != y
        && args_ratio(&a.args, &b.args) < 0.6
    {
        return false;
    }
    args_ratio(&a.args, &b.args) >= 0.5
}

/// `a-b x` as `a b x`; other shapes unchanged.
fn split_program(s: &Shape) -> Shape {
    let mut out = s.clone();
    if let Some((first, rest)) = s.program.split_once('-')
        && !first.is_empty()
        && !rest.is_empty()
    {
        out.program = first.to_string();
        out.args.insert(0, rest.to_string());
    }
    out
}

/// Arguments only in `a` and only in `b`, in order.
pub fn arg_changes(a: &[String], b: &[String]) -> (Vec<String>, Vec<String>) {
    let x: Vec<&str> = a.iter().map(String::as_str).collect();
    let y: Vec<&str> = b.iter().map(String::as_str).collect();
    let diff = similar::TextDiff::configure().diff_slices(&x, &y);
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for op in diff.ops() {
        for change in diff.iter_changes(op) {
            match change.tag() {
                similar::ChangeTag::Delete => removed.push(change.value().to_string()),
                similar::ChangeTag::Insert => added.push(change.value().to_string()),
                similar::ChangeTag::Equal => {}
            }
        }
    }
    (removed, added)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Shape {
        parse(s).unwrap()
    }

    #[test]
    fn shapes() {
        let s = p("cd web && NODE_ENV=test npx jest --ci 2>&1 | tail -20");
        assert_eq!(s.cd.as_deref(), Some("web"));
        assert_eq!(s.prefix, ["NODE_ENV=test", "npx"]);
        assert_eq!(s.program, "jest");
        assert_eq!(s.args, ["--ci"]);
        assert_eq!(s.pipes, ["tail -20"]);
        assert!(s.trimmed());
        assert_eq!(s.base(), "NODE_ENV=test npx jest --ci");
        let s = p("uv run pytest -x 'tests/a b.py'");
        assert_eq!(s.head(), "uv run pytest");
        assert_eq!(s.args, ["-x", "'tests/a b.py'"]);
        assert_eq!(p("echo 'a | b'").pipes.len(), 0);
        assert!(parse("").is_none());
        assert!(parse("cd web").is_none());
    }

    #[test]
    fn same_job_is_structure_not_first_words() {
        assert!(same_job(&p("pytest tests"), &p("uv run pytest tests")));
        assert!(same_job(&p("python x.py"), &p("python3 x.py")));
        assert!(same_job(&p("npm test"), &p("pnpm test")));
        assert!(same_job(
            &p("cargo test --feature x"),
            &p("cargo test --features x")
        ));
        assert!(!same_job(&p("git log"), &p("git status")));
        assert!(!same_job(&p("ls src"), &p("ls lib")));
        assert!(!same_job(&p("cargo build"), &p("cargo test")));
        assert!(!same_job(&p("npm test"), &p("make test")));
        assert!(same_job(
            &p("docker-compose up -d"),
            &p("docker compose up -d")
        ));
        assert!(!same_job(&p("ts-node a.ts"), &p("node a.ts")));
        assert_eq!(family("python3.11"), "python");
        let (r, a) = arg_changes(
            &["test".into(), "--feature".into(), "x".into()],
            &["test".into(), "--features".into(), "x".into()],
        );
        assert_eq!(
            (r, a),
            (
                vec!["--feature".to_string()],
                vec!["--features".to_string()]
            )
        );
    }
}
