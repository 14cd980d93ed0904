//! Any program: the base-URL variables the official OpenAI and Anthropic
//! SDKs read (`OPENAI_BASE_URL` with `/v1`, `ANTHROPIC_BASE_URL` without).

use super::Launch;

pub fn point(launch: &mut Launch, proxy: &str) {
    launch.env.extend(env(proxy));
}

/// The variables, also what `--print-env` prints.
pub fn env(proxy: &str) -> [(String, String); 2] {
    [
        ("OPENAI_BASE_URL".into(), format!("{proxy}/v1")),
        ("ANTHROPIC_BASE_URL".into(), proxy.into()),
    ]
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::super::{Agent, Options, launch};

    #[test]
    fn sdk_variables_point_at_the_proxy_and_arguments_pass_unchanged() {
        let env = |_: &str| None;
        let cmd = [OsString::from("python"), "my_agent.py".into(), "--".into()];
        let l = launch(
            Agent::Generic,
            "http://127.0.0.1:9",
            &cmd,
            &env,
            Options::default(),
        );
        assert_eq!(l.program, "python");
        assert_eq!(l.args, ["my_agent.py", "--"]);
        assert_eq!(
            l.env,
            [
                ("OPENAI_BASE_URL".into(), "http://127.0.0.1:9/v1".into()),
                ("ANTHROPIC_BASE_URL".into(), "http://127.0.0.1:9".into()),
            ]
        );
    }
}
