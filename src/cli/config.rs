//! Settings for a subcommand: every configuration problem is one warning
//! line on stderr, never a failure, so the user still gets their output.

use std::sync::OnceLock;

use headroom::config::Config;

/// `--store`, a global flag, given once before any subcommand runs.
static STORE_FLAG: OnceLock<Option<String>> = OnceLock::new();

pub fn set_store(store: Option<String>) {
    let _ = STORE_FLAG.set(store);
}

/// The resolved settings, with `--model` and `--store` (when given) over
/// all else; each problem is printed once and its default used. The one
/// exception is an invalid store location: a fleet that silently fell back
/// to a local file would lose markers across replicas, so that is a usage
/// error (exit 2, as [`super::Exit::Usage`]) before any work.
pub fn load(model: Option<&str>) -> Config {
    let (mut config, warnings) = Config::load_with_model(model);
    for w in warnings {
        eprintln!("headroom: warning: {w}");
    }
    if let Some(store) = STORE_FLAG.get().cloned().flatten() {
        config.store = Some(store);
    }
    if let Err(e) = config.store_location() {
        eprintln!("headroom: error: {e}");
        std::process::exit(2);
    }
    config
}
