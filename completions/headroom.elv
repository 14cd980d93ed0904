
use builtin;
use str;

set edit:completion:arg-completer[headroom] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'headroom'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'headroom'= {
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand compress 'Compress tool output (JSON, logs, search hits, diffs, code, HTML, text)'
            cand retrieve 'Print the original that a marker omitted'
            cand simulate 'Show what headroom would save on conversations, before you trust it'
            cand learn 'Learn from past agent sessions what keeps going wrong, and tell the agent'
            cand wrap 'Run an agent with its LLM traffic through headroom, changing nothing on disk'
            cand proxy 'Run an OpenAI- and Anthropic-compatible proxy that compresses tool results'
            cand report 'Show what you spent on models and what headroom saved'
            cand mcp 'An MCP server with headroom_retrieve, headroom_compress and headroom_stats'
            cand store 'Manage the store of originals and usage records'
            cand completions 'Print a shell completion script to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'headroom;compress'= {
            cand -t 'Content kind; `auto` detects it from the first few KB'
            cand --type 'Content kind; `auto` detects it from the first few KB'
            cand -q 'What the reader is looking for; matching items, lines and functions are kept whole'
            cand --query 'What the reader is looking for; matching items, lines and functions are kept whole'
            cand -m 'Model whose tokenizer counts tokens (gpt-4o, gpt-4.1, gpt-5, o3: exact; others estimated)'
            cand --model 'Model whose tokenizer counts tokens (gpt-4o, gpt-4.1, gpt-5, o3: exact; others estimated)'
            cand -f 'Output format: the compressed text, or one JSON object per input'
            cand --format 'Output format: the compressed text, or one JSON object per input'
            cand --for 'Who acts on the markers: `cli` names `headroom retrieve HASH`; `mcp` and `proxy` name the headroom_retrieve tool'
            cand --fit 'Conversations only: drop the oldest tool calls and turns until the request fits this many tokens'
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand -s 'Print one summary line per input on stderr'
            cand --stats 'Print one summary line per input on stderr'
            cand --lossless 'Never drop anything: lossless encodings only'
            cand --no-store 'Do not write to the store (implies --lossless)'
            cand --valid-json 'Keep JSON output valid JSON (no tables), for programs that parse it'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'headroom;retrieve'= {
            cand -q 'Only the functions named TEXT, or the items or lines containing it as written (any case); a question of several words found nowhere as written matches by BM25 and exact ids'
            cand --query 'Only the functions named TEXT, or the items or lines containing it as written (any case); a question of several words found nowhere as written matches by BM25 and exact ids'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --limit 'How many entries --list shows; 0 shows them all'
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand -l 'List recent entries: hash, kind, size, age, expiry'
            cand --list 'List recent entries: hash, kind, size, age, expiry'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'headroom;simulate'= {
            cand -m 'Model for token counts and the cost estimate (price table in the README); default: the one each file names, else gpt-4o'
            cand --model 'Model for token counts and the cost estimate (price table in the README); default: the one each file names, else gpt-4o'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --top 'List the N biggest blocks of each conversation'
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand --no-prefix-check 'Skip the prefix-stability check (it compresses the first half again)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'headroom;learn'= {
            cand --project 'Project directory whose sessions to learn from [default: the current directory]'
            cand --agent 'Which agent''s sessions to read'
            cand --since 'Only sessions in this window: `30d`, `12h`, `2w`, or a date `2025-11-30`'
            cand --min-count 'A rule needs at least this many occurrences'
            cand --max-rules 'At most this many rules per project, most valuable first'
            cand --target 'Where rules go: `local` for CLAUDE.local.md instead of CLAUDE.md, or a file for all of them'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand --all 'Every project found in the transcripts (each gets its own files)'
            cand --apply 'Write the rules (default: show them and a diff, change nothing)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'headroom;wrap'= {
            cand --openai-base-url 'OpenAI-compatible upstream, `/v1` included (vLLM, Ollama, OpenRouter, Azure, a gateway) [env: HEADROOM_OPENAI_BASE_URL] [default: https://api.openai.com/v1]'
            cand --anthropic-base-url 'Anthropic upstream, without `/v1` [env: HEADROOM_ANTHROPIC_BASE_URL] [default: https://api.anthropic.com]'
            cand --mode '`compress` tool results, or forward every request untouched'
            cand --max-body-mb 'Largest request body accepted, in MiB (larger ones get 413)'
            cand --budget-ms 'Compression running longer than this forwards the original body'
            cand --retrieve-tool 'When the model gets the `headroom_retrieve` tool: `always` (from a conversation''s first request), `on-marker` (once a stored marker appears), `never` (markers then name `headroom retrieve`) [env: HEADROOM_RETRIEVE_TOOL] [default: always]'
            cand -p 'Port of a running `headroom proxy` to reuse'
            cand --port 'Port of a running `headroom proxy` to reuse'
            cand --auth-token 'Token of the running proxy''s /health and /stats'
            cand --log-format 'Per-request lines of wrap''s own proxy on stderr (off: the terminal is the agent''s)'
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand --no-store 'Keep compression lossless and record no usage (no store)'
            cand -q 'No summary line when the agent exits'
            cand --quiet 'No summary line when the agent exits'
            cand --full-output 'Claude Code: raise its Bash output limit from 30,000 to 128,000 characters, so the model gets whole outputs (compressed, the rest retrievable) instead of a 2 KB preview'
            cand --print-env 'Print `export` lines that point a shell at the proxy running on --port: `eval "$(headroom wrap --print-env)"`'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'headroom;proxy'= {
            cand --host 'Address to listen on; anything but loopback needs --auth-token'
            cand -p 'Port to listen on (0: any free port, printed at start)'
            cand --port 'Port to listen on (0: any free port, printed at start)'
            cand --openai-base-url 'OpenAI-compatible upstream, `/v1` included (vLLM, Ollama, OpenRouter, Azure, a gateway) [env: HEADROOM_OPENAI_BASE_URL] [default: https://api.openai.com/v1]'
            cand --anthropic-base-url 'Anthropic upstream, without `/v1` [env: HEADROOM_ANTHROPIC_BASE_URL] [default: https://api.anthropic.com]'
            cand --mode '`compress` tool results, or forward every request untouched'
            cand --max-body-mb 'Largest request body accepted, in MiB (larger ones get 413)'
            cand --budget-ms 'Compression running longer than this forwards the original body'
            cand --retrieve-tool 'When the model gets the `headroom_retrieve` tool: `always` (from a conversation''s first request), `on-marker` (once a stored marker appears), `never` (markers then name `headroom retrieve`) [env: HEADROOM_RETRIEVE_TOOL] [default: always]'
            cand --auth-token 'Token required by /health, /stats, /metrics, /v1/compress and /v1/retrieve'
            cand --log-format 'One line per request on stderr: `text`, `json`, or `off`'
            cand --drain-secs 'Seconds open streams get to finish on SIGINT/SIGTERM'
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand --no-store 'Keep compression lossless and record no usage (no store)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'headroom;report'= {
            cand --by 'Rows per model, agent, project, content kind, tool or source instead'
            cand --since 'First day, inclusive: YYYY-MM-DD, or 7d / 30d for the last N days'
            cand --until 'Last day, inclusive: YYYY-MM-DD, or Nd'
            cand --timezone 'Time zone of days, weeks and months (IANA name such as Europe/Paris, or UTC). Default: local'
            cand --project 'Only entries whose project (working directory) contains TEXT'
            cand --agent 'Only entries of this agent (claude-code, codex, …)'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --html 'Also write one self-contained HTML page (charts, no scripts, opens offline) to FILE'
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand --statusline 'Print one short line (today''s spend and savings from usage records) for an agent''s status line'
            cand --transcripts 'Also read Claude Code and Codex transcripts (CLAUDE_CONFIG_DIR, CODEX_HOME or their default folders)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'headroom;mcp'= {
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Serve the tools over stdio (what agents launch), or over HTTP with --http'
            cand install 'Register `headroom mcp serve` with an agent (Claude Code: user scope unless --project)'
            cand uninstall 'Remove what `install` added'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'headroom;mcp;serve'= {
            cand --http 'Serve Streamable HTTP at http://ADDR/mcp (e.g. 127.0.0.1:8788; port 0 picks one)'
            cand --token 'Bearer token HTTP clients must send; required on a non-loopback address'
            cand --allow-origin 'An Origin allowed besides loopback ones (repeatable), e.g. https://app.example'
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'headroom;mcp;install'= {
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand --project 'Claude Code: the project''s .mcp.json (in the current directory) instead of user scope'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'headroom;mcp;uninstall'= {
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand --project 'Claude Code: the project''s .mcp.json (in the current directory) instead of user scope'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'headroom;mcp;help'= {
            cand serve 'Serve the tools over stdio (what agents launch), or over HTTP with --http'
            cand install 'Register `headroom mcp serve` with an agent (Claude Code: user scope unless --project)'
            cand uninstall 'Remove what `install` added'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'headroom;mcp;help;serve'= {
        }
        &'headroom;mcp;help;install'= {
        }
        &'headroom;mcp;help;uninstall'= {
        }
        &'headroom;mcp;help;help'= {
        }
        &'headroom;store'= {
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand migrate 'Copy every live original and usage record from one store to another'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'headroom;store;migrate'= {
            cand --from 'The store to copy from: a SQLite file or redis:// URL'
            cand --to 'The store to copy to: a SQLite file or redis:// URL'
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'headroom;store;help'= {
            cand migrate 'Copy every live original and usage record from one store to another'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'headroom;store;help;migrate'= {
        }
        &'headroom;store;help;help'= {
        }
        &'headroom;completions'= {
            cand --store 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'headroom;help'= {
            cand compress 'Compress tool output (JSON, logs, search hits, diffs, code, HTML, text)'
            cand retrieve 'Print the original that a marker omitted'
            cand simulate 'Show what headroom would save on conversations, before you trust it'
            cand learn 'Learn from past agent sessions what keeps going wrong, and tell the agent'
            cand wrap 'Run an agent with its LLM traffic through headroom, changing nothing on disk'
            cand proxy 'Run an OpenAI- and Anthropic-compatible proxy that compresses tool results'
            cand report 'Show what you spent on models and what headroom saved'
            cand mcp 'An MCP server with headroom_retrieve, headroom_compress and headroom_stats'
            cand store 'Manage the store of originals and usage records'
            cand completions 'Print a shell completion script to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'headroom;help;compress'= {
        }
        &'headroom;help;retrieve'= {
        }
        &'headroom;help;simulate'= {
        }
        &'headroom;help;learn'= {
        }
        &'headroom;help;wrap'= {
        }
        &'headroom;help;proxy'= {
        }
        &'headroom;help;report'= {
        }
        &'headroom;help;mcp'= {
            cand serve 'Serve the tools over stdio (what agents launch), or over HTTP with --http'
            cand install 'Register `headroom mcp serve` with an agent (Claude Code: user scope unless --project)'
            cand uninstall 'Remove what `install` added'
        }
        &'headroom;help;mcp;serve'= {
        }
        &'headroom;help;mcp;install'= {
        }
        &'headroom;help;mcp;uninstall'= {
        }
        &'headroom;help;store'= {
            cand migrate 'Copy every live original and usage record from one store to another'
        }
        &'headroom;help;store;migrate'= {
        }
        &'headroom;help;completions'= {
        }
        &'headroom;help;help'= {
        }
    ]
    $completions[$command]
}
