
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'headroom' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'headroom'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'headroom' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('compress', 'compress', [CompletionResultType]::ParameterValue, 'Compress tool output (JSON, logs, search hits, diffs, code, HTML, text)')
            [CompletionResult]::new('retrieve', 'retrieve', [CompletionResultType]::ParameterValue, 'Print the original that a marker omitted')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Show what headroom would save on conversations, before you trust it')
            [CompletionResult]::new('learn', 'learn', [CompletionResultType]::ParameterValue, 'Learn from past agent sessions what keeps going wrong, and tell the agent')
            [CompletionResult]::new('wrap', 'wrap', [CompletionResultType]::ParameterValue, 'Run an agent with its LLM traffic through headroom, changing nothing on disk')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Run an OpenAI- and Anthropic-compatible proxy that compresses tool results')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Show what you spent on models and what headroom saved')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'An MCP server with headroom_retrieve, headroom_compress and headroom_stats')
            [CompletionResult]::new('store', 'store', [CompletionResultType]::ParameterValue, 'Manage the store of originals and usage records')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'headroom;compress' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Content kind; `auto` detects it from the first few KB')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Content kind; `auto` detects it from the first few KB')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'What the reader is looking for; matching items, lines and functions are kept whole')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'What the reader is looking for; matching items, lines and functions are kept whole')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model whose tokenizer counts tokens (gpt-4o, gpt-4.1, gpt-5, o3: exact; others estimated)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model whose tokenizer counts tokens (gpt-4o, gpt-4.1, gpt-5, o3: exact; others estimated)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format: the compressed text, or one JSON object per input')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: the compressed text, or one JSON object per input')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Who acts on the markers: `cli` names `headroom retrieve HASH`; `mcp` and `proxy` name the headroom_retrieve tool')
            [CompletionResult]::new('--fit', '--fit', [CompletionResultType]::ParameterName, 'Conversations only: drop the oldest tool calls and turns until the request fits this many tokens')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Print one summary line per input on stderr')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Print one summary line per input on stderr')
            [CompletionResult]::new('--lossless', '--lossless', [CompletionResultType]::ParameterName, 'Never drop anything: lossless encodings only')
            [CompletionResult]::new('--no-store', '--no-store', [CompletionResultType]::ParameterName, 'Do not write to the store (implies --lossless)')
            [CompletionResult]::new('--valid-json', '--valid-json', [CompletionResultType]::ParameterName, 'Keep JSON output valid JSON (no tables), for programs that parse it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'headroom;retrieve' {
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only the functions named TEXT, or the items or lines containing it as written (any case); a question of several words found nowhere as written matches by BM25 and exact ids')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'Only the functions named TEXT, or the items or lines containing it as written (any case); a question of several words found nowhere as written matches by BM25 and exact ids')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many entries --list shows; 0 shows them all')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'List recent entries: hash, kind, size, age, expiry')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List recent entries: hash, kind, size, age, expiry')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'headroom;simulate' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model for token counts and the cost estimate (price table in the README); default: the one each file names, else gpt-4o')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model for token counts and the cost estimate (price table in the README); default: the one each file names, else gpt-4o')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'List the N biggest blocks of each conversation')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('--no-prefix-check', '--no-prefix-check', [CompletionResultType]::ParameterName, 'Skip the prefix-stability check (it compresses the first half again)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'headroom;learn' {
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Project directory whose sessions to learn from [default: the current directory]')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Which agent''s sessions to read')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only sessions in this window: `30d`, `12h`, `2w`, or a date `2025-11-30`')
            [CompletionResult]::new('--min-count', '--min-count', [CompletionResultType]::ParameterName, 'A rule needs at least this many occurrences')
            [CompletionResult]::new('--max-rules', '--max-rules', [CompletionResultType]::ParameterName, 'At most this many rules per project, most valuable first')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Where rules go: `local` for CLAUDE.local.md instead of CLAUDE.md, or a file for all of them')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every project found in the transcripts (each gets its own files)')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Write the rules (default: show them and a diff, change nothing)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'headroom;wrap' {
            [CompletionResult]::new('--openai-base-url', '--openai-base-url', [CompletionResultType]::ParameterName, 'OpenAI-compatible upstream, `/v1` included (vLLM, Ollama, OpenRouter, Azure, a gateway) [env: HEADROOM_OPENAI_BASE_URL] [default: https://api.openai.com/v1]')
            [CompletionResult]::new('--anthropic-base-url', '--anthropic-base-url', [CompletionResultType]::ParameterName, 'Anthropic upstream, without `/v1` [env: HEADROOM_ANTHROPIC_BASE_URL] [default: https://api.anthropic.com]')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, '`compress` tool results, or forward every request untouched')
            [CompletionResult]::new('--max-body-mb', '--max-body-mb', [CompletionResultType]::ParameterName, 'Largest request body accepted, in MiB (larger ones get 413)')
            [CompletionResult]::new('--budget-ms', '--budget-ms', [CompletionResultType]::ParameterName, 'Compression running longer than this forwards the original body')
            [CompletionResult]::new('--retrieve-tool', '--retrieve-tool', [CompletionResultType]::ParameterName, 'When the model gets the `headroom_retrieve` tool: `always` (from a conversation''s first request), `on-marker` (once a stored marker appears), `never` (markers then name `headroom retrieve`) [env: HEADROOM_RETRIEVE_TOOL] [default: always]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port of a running `headroom proxy` to reuse')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port of a running `headroom proxy` to reuse')
            [CompletionResult]::new('--auth-token', '--auth-token', [CompletionResultType]::ParameterName, 'Token of the running proxy''s /health and /stats')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Per-request lines of wrap''s own proxy on stderr (off: the terminal is the agent''s)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('--no-store', '--no-store', [CompletionResultType]::ParameterName, 'Keep compression lossless and record no usage (no store)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No summary line when the agent exits')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No summary line when the agent exits')
            [CompletionResult]::new('--full-output', '--full-output', [CompletionResultType]::ParameterName, 'Claude Code: raise its Bash output limit from 30,000 to 128,000 characters, so the model gets whole outputs (compressed, the rest retrievable) instead of a 2 KB preview')
            [CompletionResult]::new('--print-env', '--print-env', [CompletionResultType]::ParameterName, 'Print `export` lines that point a shell at the proxy running on --port: `eval "$(headroom wrap --print-env)"`')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'headroom;proxy' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to listen on; anything but loopback needs --auth-token')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port to listen on (0: any free port, printed at start)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on (0: any free port, printed at start)')
            [CompletionResult]::new('--openai-base-url', '--openai-base-url', [CompletionResultType]::ParameterName, 'OpenAI-compatible upstream, `/v1` included (vLLM, Ollama, OpenRouter, Azure, a gateway) [env: HEADROOM_OPENAI_BASE_URL] [default: https://api.openai.com/v1]')
            [CompletionResult]::new('--anthropic-base-url', '--anthropic-base-url', [CompletionResultType]::ParameterName, 'Anthropic upstream, without `/v1` [env: HEADROOM_ANTHROPIC_BASE_URL] [default: https://api.anthropic.com]')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, '`compress` tool results, or forward every request untouched')
            [CompletionResult]::new('--max-body-mb', '--max-body-mb', [CompletionResultType]::ParameterName, 'Largest request body accepted, in MiB (larger ones get 413)')
            [CompletionResult]::new('--budget-ms', '--budget-ms', [CompletionResultType]::ParameterName, 'Compression running longer than this forwards the original body')
            [CompletionResult]::new('--retrieve-tool', '--retrieve-tool', [CompletionResultType]::ParameterName, 'When the model gets the `headroom_retrieve` tool: `always` (from a conversation''s first request), `on-marker` (once a stored marker appears), `never` (markers then name `headroom retrieve`) [env: HEADROOM_RETRIEVE_TOOL] [default: always]')
            [CompletionResult]::new('--auth-token', '--auth-token', [CompletionResultType]::ParameterName, 'Token required by /health, /stats, /metrics, /v1/compress and /v1/retrieve')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'One line per request on stderr: `text`, `json`, or `off`')
            [CompletionResult]::new('--drain-secs', '--drain-secs', [CompletionResultType]::ParameterName, 'Seconds open streams get to finish on SIGINT/SIGTERM')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('--no-store', '--no-store', [CompletionResultType]::ParameterName, 'Keep compression lossless and record no usage (no store)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'headroom;report' {
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Rows per model, agent, project, content kind, tool or source instead')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'First day, inclusive: YYYY-MM-DD, or 7d / 30d for the last N days')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Last day, inclusive: YYYY-MM-DD, or Nd')
            [CompletionResult]::new('--timezone', '--timezone', [CompletionResultType]::ParameterName, 'Time zone of days, weeks and months (IANA name such as Europe/Paris, or UTC). Default: local')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Only entries whose project (working directory) contains TEXT')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Only entries of this agent (claude-code, codex, …)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'Also write one self-contained HTML page (charts, no scripts, opens offline) to FILE')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('--statusline', '--statusline', [CompletionResultType]::ParameterName, 'Print one short line (today''s spend and savings from usage records) for an agent''s status line')
            [CompletionResult]::new('--transcripts', '--transcripts', [CompletionResultType]::ParameterName, 'Also read Claude Code and Codex transcripts (CLAUDE_CONFIG_DIR, CODEX_HOME or their default folders)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'headroom;mcp' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the tools over stdio (what agents launch), or over HTTP with --http')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Register `headroom mcp serve` with an agent (Claude Code: user scope unless --project)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove what `install` added')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'headroom;mcp;serve' {
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, 'Serve Streamable HTTP at http://ADDR/mcp (e.g. 127.0.0.1:8788; port 0 picks one)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token HTTP clients must send; required on a non-loopback address')
            [CompletionResult]::new('--allow-origin', '--allow-origin', [CompletionResultType]::ParameterName, 'An Origin allowed besides loopback ones (repeatable), e.g. https://app.example')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'headroom;mcp;install' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Claude Code: the project''s .mcp.json (in the current directory) instead of user scope')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'headroom;mcp;uninstall' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Claude Code: the project''s .mcp.json (in the current directory) instead of user scope')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'headroom;mcp;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the tools over stdio (what agents launch), or over HTTP with --http')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Register `headroom mcp serve` with an agent (Claude Code: user scope unless --project)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove what `install` added')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'headroom;mcp;help;serve' {
            break
        }
        'headroom;mcp;help;install' {
            break
        }
        'headroom;mcp;help;uninstall' {
            break
        }
        'headroom;mcp;help;help' {
            break
        }
        'headroom;store' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy every live original and usage record from one store to another')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'headroom;store;migrate' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The store to copy from: a SQLite file or redis:// URL')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The store to copy to: a SQLite file or redis:// URL')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'headroom;store;help' {
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy every live original and usage record from one store to another')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'headroom;store;help;migrate' {
            break
        }
        'headroom;store;help;help' {
            break
        }
        'headroom;completions' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'headroom;help' {
            [CompletionResult]::new('compress', 'compress', [CompletionResultType]::ParameterValue, 'Compress tool output (JSON, logs, search hits, diffs, code, HTML, text)')
            [CompletionResult]::new('retrieve', 'retrieve', [CompletionResultType]::ParameterValue, 'Print the original that a marker omitted')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Show what headroom would save on conversations, before you trust it')
            [CompletionResult]::new('learn', 'learn', [CompletionResultType]::ParameterValue, 'Learn from past agent sessions what keeps going wrong, and tell the agent')
            [CompletionResult]::new('wrap', 'wrap', [CompletionResultType]::ParameterValue, 'Run an agent with its LLM traffic through headroom, changing nothing on disk')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Run an OpenAI- and Anthropic-compatible proxy that compresses tool results')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Show what you spent on models and what headroom saved')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'An MCP server with headroom_retrieve, headroom_compress and headroom_stats')
            [CompletionResult]::new('store', 'store', [CompletionResultType]::ParameterValue, 'Manage the store of originals and usage records')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'headroom;help;compress' {
            break
        }
        'headroom;help;retrieve' {
            break
        }
        'headroom;help;simulate' {
            break
        }
        'headroom;help;learn' {
            break
        }
        'headroom;help;wrap' {
            break
        }
        'headroom;help;proxy' {
            break
        }
        'headroom;help;report' {
            break
        }
        'headroom;help;mcp' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the tools over stdio (what agents launch), or over HTTP with --http')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Register `headroom mcp serve` with an agent (Claude Code: user scope unless --project)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove what `install` added')
            break
        }
        'headroom;help;mcp;serve' {
            break
        }
        'headroom;help;mcp;install' {
            break
        }
        'headroom;help;mcp;uninstall' {
            break
        }
        'headroom;help;store' {
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy every live original and usage record from one store to another')
            break
        }
        'headroom;help;store;migrate' {
            break
        }
        'headroom;help;completions' {
            break
        }
        'headroom;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
