//! Settings for a subcommand: every configuration problem is one warning
//! line on stderr, never a failure, so the user still gets their output.

use headroom::config::Config;

/// The resolved settings, with `--model` (when given) over all else; each
/// problem is printed once and its default used.
pub fn load(model: Option<&str>) -> Config {
    let (config, warnings) = Config::load_with_model(model);
    for w in warnings {
        eprintln!("headroom: warning: {w}");
    }
    config
}
