//! Claude Code: `ANTHROPIC_BASE_URL` (no `/v1`); the user's own auth (API
//! key, `ANTHROPIC_AUTH_TOKEN` or a claude.ai login) is left as it is.

use super::{Env, Launch, Options};

/// Claude Code's own limit on Bash output it shows the model inline, at its
/// top: above the default 30,000 characters the model gets a 2 KB preview
/// and never sees the rest, while through headroom the whole output can be
/// compressed and stay retrievable.
const FULL_OUTPUT_SETTINGS: &str = r#"{"bashOutputMaxChars":128000}"#;

pub fn point(launch: &mut Launch, proxy: &str, env: &impl Env, options: Options) {
    launch.env.push(("ANTHROPIC_BASE_URL".into(), proxy.into()));
    // Behind a base URL that is not Anthropic's, Claude Code stops deferring
    // tool schemas and sends all of them on every request (the reference
    // system's #1025: ~176 KB a request); this keeps it deferring.
    if env.get("ENABLE_TOOL_SEARCH").is_none() {
        launch
            .env
            .push(("ENABLE_TOOL_SEARCH".into(), "true".into()));
    }
    if options.full_output {
        launch.args.push("--settings".into());
        launch.args.push(FULL_OUTPUT_SETTINGS.into());
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::super::{Agent, launch};
    use super::*;

    fn run(vars: &'static [(&'static str, &'static str)], options: Options) -> Launch {
        let env = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        let cmd = [OsString::from("claude"), "-p".into(), "hi".into()];
        launch(Agent::Claude, "http://127.0.0.1:9", &cmd, &env, options)
    }

    #[test]
    fn points_the_base_url_at_the_proxy_and_keeps_tool_search() {
        let l = run(&[("ANTHROPIC_API_KEY", "sk-x")], Options::default());
        assert_eq!(
            l.env,
            [
                ("ANTHROPIC_BASE_URL".into(), "http://127.0.0.1:9".into()),
                ("ENABLE_TOOL_SEARCH".into(), "true".into()),
            ]
        );
        assert_eq!(l.args, ["-p", "hi"]);
    }

    #[test]
    fn the_users_tool_search_setting_wins() {
        let l = run(&[("ENABLE_TOOL_SEARCH", "false")], Options::default());
        assert_eq!(l.env.len(), 1);
    }

    #[test]
    fn full_output_raises_claude_codes_limit_on_the_command_line() {
        let l = run(&[], Options { full_output: true });
        assert_eq!(l.args, ["--settings", FULL_OUTPUT_SETTINGS, "-p", "hi"]);
    }
}
