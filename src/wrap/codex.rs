//! Codex: a `headroom` model provider given with `-c` overrides (Responses
//! wire API, base URL the proxy), so the user's config.toml is untouched.
//! Auth stays the user's: `OPENAI_API_KEY` when set, else Codex's own login.
//! A custom provider never tries WebSocket (the proxy answers an upgrade
//! with 426 anyway, which sends Codex straight to HTTP).
//!
//! With a ChatGPT login Codex sends the login's bearer token and a
//! `chatgpt-account-id` header to the provider; the proxy passes both on,
//! and its upstream must then be the ChatGPT backend Codex itself would
//! call ([`CHATGPT_BASE_URL`]): api.openai.com refuses a ChatGPT token.

use std::path::PathBuf;

use serde_json::Value;

use super::{Env, Launch};

/// Where Codex sends a ChatGPT login's requests (`/responses`, `/models`
/// below it), like `https://api.openai.com/v1` for an API key.
pub const CHATGPT_BASE_URL: &str = "https://chatgpt.com/backend-api/codex";

/// Whether Codex will use a ChatGPT login: no `OPENAI_API_KEY`, and its
/// `auth.json` (in `CODEX_HOME`, default `~/.codex`) holds ChatGPT tokens
/// rather than an API key. Only read, never written.
pub fn uses_chatgpt_login(env: &impl Env) -> bool {
    if env.get("OPENAI_API_KEY").is_some() {
        return false;
    }
    let Some(dir) = env
        .get("CODEX_HOME")
        .map(PathBuf::from)
        .or_else(|| env.get("HOME").map(|h| PathBuf::from(h).join(".codex")))
    else {
        return false;
    };
    let Ok(bytes) = std::fs::read(dir.join("auth.json")) else {
        return false;
    };
    let Ok(auth) = serde_json::from_slice::<Value>(&bytes) else {
        return false;
    };
    match auth.get("auth_mode").and_then(Value::as_str) {
        Some(mode) => mode.starts_with("chatgpt"),
        // Older files have no mode: tokens and no key mean a ChatGPT login.
        None => auth["tokens"].is_object() && auth["OPENAI_API_KEY"].is_null(),
    }
}

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

    fn chatgpt_login(key: Option<&str>, auth: &str) -> bool {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("auth.json"), auth).unwrap();
        let home = dir.path().to_str().unwrap().to_string();
        let key = key.map(String::from);
        let env = move |name: &str| match name {
            "CODEX_HOME" => Some(home.clone()),
            "OPENAI_API_KEY" => key.clone(),
            _ => None,
        };
        uses_chatgpt_login(&env)
    }

    #[test]
    fn a_chatgpt_login_is_told_from_a_stored_key() {
        let tokens =
            r#"{"auth_mode":"chatgpt","OPENAI_API_KEY":null,"tokens":{"access_token":"a"}}"#;
        assert!(chatgpt_login(None, tokens));
        assert!(chatgpt_login(
            None,
            r#"{"OPENAI_API_KEY":null,"tokens":{}}"#
        ));
        assert!(!chatgpt_login(Some("sk-x"), tokens));
        assert!(!chatgpt_login(
            None,
            r#"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-x"}"#
        ));
        assert!(!chatgpt_login(
            None,
            r#"{"OPENAI_API_KEY":"sk-x","tokens":null}"#
        ));
        assert!(!chatgpt_login(None, "not json"));
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
