//! Unified diffs: not compressed yet; passes through.

use super::{Compressed, Context};

pub fn compress(_text: &str, _ctx: &Context) -> Option<Compressed> {
    None
}
