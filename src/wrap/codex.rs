//! Codex: a `headroom` model provider given with `-c` overrides (Responses
//! wire API, base URL the proxy), so the user's config.toml is untouched.
//! Auth stays the user's: `OPENAI_API_KEY` when set, else Codex's own login.
//! A custom provider never tries WebSocket (the proxy answers an upgrade
//! with 426 anyway, which sends Codex straight to HTTP).

use super::{Env, Launch};

pub fn point(launch: &mut Launch, proxy: &str, env: &impl Env) {
    // With a key Codex sends it as a Bearer token; without one, the provider
    // asks for the user's ChatGPT login, as the built-in provider would.
    let auth = if env.get("OPENAI_API_KEY").is_some() {
        r#"env_key="OPENAI_API_KEY""#
    } else {
        "requires_openai_auth=true"
    };
    let provider = format!(
        r#"model_providers.headroom={{name="headroom",base_url="{proxy}/v1",wire_api="responses",{auth}}}"#
    );
    for arg in ["-c", r#"model_provider="headroom""#, "-c", &provider] {
        launch.args.push(arg.into());
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::super::{Agent, Options, launch};
    use super::*;

    fn run(key: Option<&'static str>) -> Launch {
        let env = move |name: &str| (name == "OPENAI_API_KEY").then(|| key.map(String::from))?;
        let cmd = [OsString::from("codex"), "exec".into(), "go".into()];
        launch(
            Agent::Codex,
            "http://127.0.0.1:9",
            &cmd,
            &env,
            Options::default(),
        )
    }

    #[test]
    fn a_headroom_provider_through_overrides_with_the_users_key() {
        let l = run(Some("sk-x"));
        assert!(l.env.is_empty());
        assert_eq!(
            l.args,
            [
                "-c",
                r#"model_provider="headroom""#,
                "-c",
                r#"model_providers.headroom={name="headroom",base_url="http://127.0.0.1:9/v1",wire_api="responses",env_key="OPENAI_API_KEY"}"#,
                "exec",
                "go",
            ]
        );
    }

    #[test]
    fn without_a_key_the_login_is_used() {
        let l = run(None);
        assert!(
            l.args[3]
                .to_str()
                .unwrap()
                .ends_with(",requires_openai_auth=true}")
        );
    }
}
