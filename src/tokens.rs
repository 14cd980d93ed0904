//! Token counting (temporary: tiktoken-rs until the prebuilt table lands).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    O200k,
    Cl100k,
}

impl Encoding {
    pub fn for_model(model: &str) -> (Encoding, bool) {
        let m = model.to_ascii_lowercase();
        if m.starts_with("gpt-4") && !m.starts_with("gpt-4o") && !m.starts_with("gpt-4.")
            || m.starts_with("gpt-3.5")
            || m.starts_with("gpt-35")
            || m.starts_with("text-embedding")
        {
            return (Encoding::Cl100k, true);
        }
        let exact = ["gpt-", "chatgpt-", "o1", "o3", "o4", "ft:gpt"]
            .iter()
            .any(|p| m.starts_with(p));
        (Encoding::O200k, exact)
    }

    pub fn name(self) -> &'static str {
        match self {
            Encoding::O200k => "o200k_base",
            Encoding::Cl100k => "cl100k_base",
        }
    }
}

pub fn count(text: &str, enc: Encoding) -> usize {
    match enc {
        Encoding::O200k => tiktoken_rs::o200k_base_singleton().count_ordinary(text),
        Encoding::Cl100k => tiktoken_rs::cl100k_base_singleton().count_ordinary(text),
    }
}
