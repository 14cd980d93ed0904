//! Cursor: nothing to launch. Its model requests are sent from Cursor's own
//! servers, not from this machine, so a proxy on 127.0.0.1 cannot serve it;
//! the user is told so, and what would work.

/// What `headroom wrap cursor` prints.
pub fn instructions(port: u16) -> String {
    format!(
        "\
headroom cannot wrap Cursor the way it wraps a local agent: Cursor sends its
model requests from Cursor's servers, not from this machine, so they can never
reach a proxy listening on 127.0.0.1.

What works is a headroom proxy Cursor's servers can reach over HTTPS:

  1. Run it on a host they can reach, with a token:
       headroom proxy --host 0.0.0.0 --port {port} --auth-token \"$(openssl rand -hex 16)\"
  2. Put HTTPS in front of it (a reverse proxy or a tunnel), e.g.
       https://headroom.example.com
  3. In Cursor: Settings > Models > OpenAI API Key, turn on
     \"Override OpenAI Base URL\" and enter
       https://headroom.example.com/v1
     with your own OpenAI API key.

Only requests that use your own key go through it: Cursor's agent and
Composer features may use Cursor-hosted models and bypass it.
"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn says_why_and_what_would_work() {
        let text = super::instructions(8787);
        assert!(text.contains("Cursor's servers"));
        assert!(text.contains("--auth-token"));
        assert!(text.contains("--port 8787"));
        assert!(text.contains("Override OpenAI Base URL"));
    }
}
