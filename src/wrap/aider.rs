//! aider (LiteLLM): `OPENAI_API_BASE` (with `/v1`) for OpenAI-compatible
//! models and `ANTHROPIC_BASE_URL` for Anthropic ones. `ANTHROPIC_API_BASE`,
//! which LiteLLM reads first, is pointed too when the user had set it.

use super::{Env, Launch};

pub fn point(launch: &mut Launch, proxy: &str, env: &impl Env) {
    launch
        .env
        .push(("OPENAI_API_BASE".into(), format!("{proxy}/v1")));
    launch.env.push(("ANTHROPIC_BASE_URL".into(), proxy.into()));
    if env.get("ANTHROPIC_API_BASE").is_some() {
        launch.env.push(("ANTHROPIC_API_BASE".into(), proxy.into()));
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::super::{Agent, Options, launch};

    #[test]
    fn both_providers_point_at_the_proxy() {
        let env = |name: &str| (name == "ANTHROPIC_API_BASE").then(|| "https://gw".to_string());
        let cmd = [OsString::from("aider"), "--model".into(), "gpt-4.1".into()];
        let l = launch(
            Agent::Aider,
            "http://127.0.0.1:9",
            &cmd,
            &env,
            Options::default(),
        );
        assert_eq!(
            l.env,
            [
                ("OPENAI_API_BASE".into(), "http://127.0.0.1:9/v1".into()),
                ("ANTHROPIC_BASE_URL".into(), "http://127.0.0.1:9".into()),
                ("ANTHROPIC_API_BASE".into(), "http://127.0.0.1:9".into()),
            ]
        );
        assert_eq!(l.args, ["--model", "gpt-4.1"]);
    }
}
