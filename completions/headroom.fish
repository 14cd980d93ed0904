# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_headroom_global_optspecs
    string join \n store= h/help V/version
end

function __fish_headroom_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_headroom_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_headroom_using_subcommand
    set -l cmd (__fish_headroom_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c headroom -n "__fish_headroom_needs_command" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c headroom -n "__fish_headroom_needs_command" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_needs_command" -f -a "compress" -d 'Compress tool output (JSON, logs, search hits, diffs, code, HTML, text)'
complete -c headroom -n "__fish_headroom_needs_command" -f -a "retrieve" -d 'Print the original that a marker omitted'
complete -c headroom -n "__fish_headroom_needs_command" -f -a "simulate" -d 'Show what headroom would save on conversations, before you trust it'
complete -c headroom -n "__fish_headroom_needs_command" -f -a "learn" -d 'Learn from past agent sessions what keeps going wrong, and tell the agent'
complete -c headroom -n "__fish_headroom_needs_command" -f -a "wrap" -d 'Run an agent with its LLM traffic through headroom, changing nothing on disk'
complete -c headroom -n "__fish_headroom_needs_command" -f -a "proxy" -d 'Run an OpenAI- and Anthropic-compatible proxy that compresses tool results'
complete -c headroom -n "__fish_headroom_needs_command" -f -a "report" -d 'Show what you spent on models and what headroom saved'
complete -c headroom -n "__fish_headroom_needs_command" -f -a "mcp" -d 'An MCP server with headroom_retrieve, headroom_compress and headroom_stats'
complete -c headroom -n "__fish_headroom_needs_command" -f -a "store" -d 'Manage the store of originals and usage records'
complete -c headroom -n "__fish_headroom_needs_command" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c headroom -n "__fish_headroom_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c headroom -n "__fish_headroom_using_subcommand compress" -s t -l type -d 'Content kind; `auto` detects it from the first few KB' -r -f -a "auto\t''
json\t''
log\t''
search\t''
diff\t''
code\t''
html\t''
text\t''
lines\t''"
complete -c headroom -n "__fish_headroom_using_subcommand compress" -s q -l query -d 'What the reader is looking for; matching items, lines and functions are kept whole' -r
complete -c headroom -n "__fish_headroom_using_subcommand compress" -s m -l model -d 'Model whose tokenizer counts tokens (gpt-4o, gpt-4.1, gpt-5, o3: exact; others estimated)' -r
complete -c headroom -n "__fish_headroom_using_subcommand compress" -s f -l format -d 'Output format: the compressed text, or one JSON object per input' -r -f -a "text\t''
json\t''"
complete -c headroom -n "__fish_headroom_using_subcommand compress" -l for -d 'Who acts on the markers: `cli` names `headroom retrieve HASH`; `mcp` and `proxy` name the headroom_retrieve tool' -r -f -a "cli\t''
mcp\t''
proxy\t''"
complete -c headroom -n "__fish_headroom_using_subcommand compress" -l fit -d 'Conversations only: drop the oldest tool calls and turns until the request fits this many tokens' -r
complete -c headroom -n "__fish_headroom_using_subcommand compress" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand compress" -s s -l stats -d 'Print one summary line per input on stderr'
complete -c headroom -n "__fish_headroom_using_subcommand compress" -l lossless -d 'Never drop anything: lossless encodings only'
complete -c headroom -n "__fish_headroom_using_subcommand compress" -l no-store -d 'Do not write to the store (implies --lossless)'
complete -c headroom -n "__fish_headroom_using_subcommand compress" -l valid-json -d 'Keep JSON output valid JSON (no tables), for programs that parse it'
complete -c headroom -n "__fish_headroom_using_subcommand compress" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c headroom -n "__fish_headroom_using_subcommand compress" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand retrieve" -s q -l query -d 'Only the functions named TEXT, or the items or lines containing it as written (any case); a question of several words found nowhere as written matches by BM25 and exact ids' -r
complete -c headroom -n "__fish_headroom_using_subcommand retrieve" -s f -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c headroom -n "__fish_headroom_using_subcommand retrieve" -l limit -d 'How many entries --list shows; 0 shows them all' -r
complete -c headroom -n "__fish_headroom_using_subcommand retrieve" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand retrieve" -s l -l list -d 'List recent entries: hash, kind, size, age, expiry'
complete -c headroom -n "__fish_headroom_using_subcommand retrieve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c headroom -n "__fish_headroom_using_subcommand retrieve" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand simulate" -s m -l model -d 'Model for token counts and the cost estimate (price table in the README); default: the one each file names, else gpt-4o' -r
complete -c headroom -n "__fish_headroom_using_subcommand simulate" -s f -l format -d 'Output format' -r -f -a "table\t''
markdown\t''
json\t''"
complete -c headroom -n "__fish_headroom_using_subcommand simulate" -l top -d 'List the N biggest blocks of each conversation' -r
complete -c headroom -n "__fish_headroom_using_subcommand simulate" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand simulate" -l no-prefix-check -d 'Skip the prefix-stability check (it compresses the first half again)'
complete -c headroom -n "__fish_headroom_using_subcommand simulate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c headroom -n "__fish_headroom_using_subcommand simulate" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand learn" -l project -d 'Project directory whose sessions to learn from [default: the current directory]' -r -F
complete -c headroom -n "__fish_headroom_using_subcommand learn" -l agent -d 'Which agent\'s sessions to read' -r -f -a "all\t''
claude\t''
codex\t''"
complete -c headroom -n "__fish_headroom_using_subcommand learn" -l since -d 'Only sessions in this window: `30d`, `12h`, `2w`, or a date `2025-11-30`' -r
complete -c headroom -n "__fish_headroom_using_subcommand learn" -l min-count -d 'A rule needs at least this many occurrences' -r
complete -c headroom -n "__fish_headroom_using_subcommand learn" -l max-rules -d 'At most this many rules per project, most valuable first' -r
complete -c headroom -n "__fish_headroom_using_subcommand learn" -l target -d 'Where rules go: `local` for CLAUDE.local.md instead of CLAUDE.md, or a file for all of them' -r
complete -c headroom -n "__fish_headroom_using_subcommand learn" -s f -l format -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c headroom -n "__fish_headroom_using_subcommand learn" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand learn" -l all -d 'Every project found in the transcripts (each gets its own files)'
complete -c headroom -n "__fish_headroom_using_subcommand learn" -l apply -d 'Write the rules (default: show them and a diff, change nothing)'
complete -c headroom -n "__fish_headroom_using_subcommand learn" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c headroom -n "__fish_headroom_using_subcommand learn" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -l openai-base-url -d 'OpenAI-compatible upstream, `/v1` included (vLLM, Ollama, OpenRouter, Azure, a gateway) [env: HEADROOM_OPENAI_BASE_URL] [default: https://api.openai.com/v1]' -r
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -l anthropic-base-url -d 'Anthropic upstream, without `/v1` [env: HEADROOM_ANTHROPIC_BASE_URL] [default: https://api.anthropic.com]' -r
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -l mode -d '`compress` tool results, or forward every request untouched' -r -f -a "compress\t''
passthrough\t''"
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -l max-body-mb -d 'Largest request body accepted, in MiB (larger ones get 413)' -r
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -l budget-ms -d 'Compression running longer than this forwards the original body' -r
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -l retrieve-tool -d 'When the model gets the `headroom_retrieve` tool: `always` (from a conversation\'s first request), `on-marker` (once a stored marker appears), `never` (markers then name `headroom retrieve`) [env: HEADROOM_RETRIEVE_TOOL] [default: always]' -r -f -a "always\t''
on-marker\t''
never\t''"
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -s p -l port -d 'Port of a running `headroom proxy` to reuse' -r
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -l auth-token -d 'Token of the running proxy\'s /health and /stats' -r
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -l log-format -d 'Per-request lines of wrap\'s own proxy on stderr (off: the terminal is the agent\'s)' -r -f -a "text\t''
json\t''
off\t''"
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -l no-store -d 'Keep compression lossless and record no usage (no store)'
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -s q -l quiet -d 'No summary line when the agent exits'
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -l full-output -d 'Claude Code: raise its Bash output limit from 30,000 to 128,000 characters, so the model gets whole outputs (compressed, the rest retrievable) instead of a 2 KB preview'
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -l print-env -d 'Print `export` lines that point a shell at the proxy running on --port: `eval "$(headroom wrap --print-env)"`'
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c headroom -n "__fish_headroom_using_subcommand wrap" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -l host -d 'Address to listen on; anything but loopback needs --auth-token' -r
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -s p -l port -d 'Port to listen on (0: any free port, printed at start)' -r
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -l openai-base-url -d 'OpenAI-compatible upstream, `/v1` included (vLLM, Ollama, OpenRouter, Azure, a gateway) [env: HEADROOM_OPENAI_BASE_URL] [default: https://api.openai.com/v1]' -r
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -l anthropic-base-url -d 'Anthropic upstream, without `/v1` [env: HEADROOM_ANTHROPIC_BASE_URL] [default: https://api.anthropic.com]' -r
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -l mode -d '`compress` tool results, or forward every request untouched' -r -f -a "compress\t''
passthrough\t''"
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -l max-body-mb -d 'Largest request body accepted, in MiB (larger ones get 413)' -r
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -l budget-ms -d 'Compression running longer than this forwards the original body' -r
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -l retrieve-tool -d 'When the model gets the `headroom_retrieve` tool: `always` (from a conversation\'s first request), `on-marker` (once a stored marker appears), `never` (markers then name `headroom retrieve`) [env: HEADROOM_RETRIEVE_TOOL] [default: always]' -r -f -a "always\t''
on-marker\t''
never\t''"
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -l auth-token -d 'Token required by /health, /stats, /metrics, /v1/compress and /v1/retrieve' -r
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -l log-format -d 'One line per request on stderr: `text`, `json`, or `off`' -r -f -a "text\t''
json\t''
off\t''"
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -l drain-secs -d 'Seconds open streams get to finish on SIGINT/SIGTERM' -r
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -l no-store -d 'Keep compression lossless and record no usage (no store)'
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c headroom -n "__fish_headroom_using_subcommand proxy" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand report" -l by -d 'Rows per model, agent, project, content kind, tool or source instead' -r -f -a "model\t''
agent\t''
project\t''
kind\t''
tool\t''
source\t''"
complete -c headroom -n "__fish_headroom_using_subcommand report" -l since -d 'First day, inclusive: YYYY-MM-DD, or 7d / 30d for the last N days' -r
complete -c headroom -n "__fish_headroom_using_subcommand report" -l until -d 'Last day, inclusive: YYYY-MM-DD, or Nd' -r
complete -c headroom -n "__fish_headroom_using_subcommand report" -l timezone -d 'Time zone of days, weeks and months (IANA name such as Europe/Paris, or UTC). Default: local' -r
complete -c headroom -n "__fish_headroom_using_subcommand report" -l project -d 'Only entries whose project (working directory) contains TEXT' -r
complete -c headroom -n "__fish_headroom_using_subcommand report" -l agent -d 'Only entries of this agent (claude-code, codex, …)' -r
complete -c headroom -n "__fish_headroom_using_subcommand report" -s f -l format -d 'Output format' -r -f -a "table\t''
md\t''
json\t''
csv\t''"
complete -c headroom -n "__fish_headroom_using_subcommand report" -l html -d 'Also write one self-contained HTML page (charts, no scripts, opens offline) to FILE' -r -F
complete -c headroom -n "__fish_headroom_using_subcommand report" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand report" -l statusline -d 'Print one short line (today\'s spend and savings from usage records) for an agent\'s status line'
complete -c headroom -n "__fish_headroom_using_subcommand report" -l transcripts -d 'Also read Claude Code and Codex transcripts (CLAUDE_CONFIG_DIR, CODEX_HOME or their default folders)'
complete -c headroom -n "__fish_headroom_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c headroom -n "__fish_headroom_using_subcommand report" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and not __fish_seen_subcommand_from serve install uninstall help" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and not __fish_seen_subcommand_from serve install uninstall help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and not __fish_seen_subcommand_from serve install uninstall help" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and not __fish_seen_subcommand_from serve install uninstall help" -f -a "serve" -d 'Serve the tools over stdio (what agents launch), or over HTTP with --http'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and not __fish_seen_subcommand_from serve install uninstall help" -f -a "install" -d 'Register `headroom mcp serve` with an agent (Claude Code: user scope unless --project)'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and not __fish_seen_subcommand_from serve install uninstall help" -f -a "uninstall" -d 'Remove what `install` added'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and not __fish_seen_subcommand_from serve install uninstall help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from serve" -l http -d 'Serve Streamable HTTP at http://ADDR/mcp (e.g. 127.0.0.1:8788; port 0 picks one)' -r
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from serve" -l token -d 'Bearer token HTTP clients must send; required on a non-loopback address' -r
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from serve" -l allow-origin -d 'An Origin allowed besides loopback ones (repeatable), e.g. https://app.example' -r
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from serve" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from install" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from install" -l project -d 'Claude Code: the project\'s .mcp.json (in the current directory) instead of user scope'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from install" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from uninstall" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from uninstall" -l project -d 'Claude Code: the project\'s .mcp.json (in the current directory) instead of user scope'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from uninstall" -s h -l help -d 'Print help'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from uninstall" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Serve the tools over stdio (what agents launch), or over HTTP with --http'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "install" -d 'Register `headroom mcp serve` with an agent (Claude Code: user scope unless --project)'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "uninstall" -d 'Remove what `install` added'
complete -c headroom -n "__fish_headroom_using_subcommand mcp; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c headroom -n "__fish_headroom_using_subcommand store; and not __fish_seen_subcommand_from migrate help" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand store; and not __fish_seen_subcommand_from migrate help" -s h -l help -d 'Print help'
complete -c headroom -n "__fish_headroom_using_subcommand store; and not __fish_seen_subcommand_from migrate help" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand store; and not __fish_seen_subcommand_from migrate help" -f -a "migrate" -d 'Copy every live original and usage record from one store to another'
complete -c headroom -n "__fish_headroom_using_subcommand store; and not __fish_seen_subcommand_from migrate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c headroom -n "__fish_headroom_using_subcommand store; and __fish_seen_subcommand_from migrate" -l from -d 'The store to copy from: a SQLite file or redis:// URL' -r
complete -c headroom -n "__fish_headroom_using_subcommand store; and __fish_seen_subcommand_from migrate" -l to -d 'The store to copy to: a SQLite file or redis:// URL' -r
complete -c headroom -n "__fish_headroom_using_subcommand store; and __fish_seen_subcommand_from migrate" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand store; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c headroom -n "__fish_headroom_using_subcommand store; and __fish_seen_subcommand_from migrate" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Copy every live original and usage record from one store to another'
complete -c headroom -n "__fish_headroom_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c headroom -n "__fish_headroom_using_subcommand completions" -l store -d 'Where originals and usage records are kept: redis://[USER:PASS@]HOST[:PORT][/DB], rediss://… (TLS) or a SQLite file [env: HEADROOM_STORE; default: headroom.db in HEADROOM_HOME]' -r
complete -c headroom -n "__fish_headroom_using_subcommand completions" -s h -l help -d 'Print help'
complete -c headroom -n "__fish_headroom_using_subcommand completions" -s V -l version -d 'Print version'
complete -c headroom -n "__fish_headroom_using_subcommand help; and not __fish_seen_subcommand_from compress retrieve simulate learn wrap proxy report mcp store completions help" -f -a "compress" -d 'Compress tool output (JSON, logs, search hits, diffs, code, HTML, text)'
complete -c headroom -n "__fish_headroom_using_subcommand help; and not __fish_seen_subcommand_from compress retrieve simulate learn wrap proxy report mcp store completions help" -f -a "retrieve" -d 'Print the original that a marker omitted'
complete -c headroom -n "__fish_headroom_using_subcommand help; and not __fish_seen_subcommand_from compress retrieve simulate learn wrap proxy report mcp store completions help" -f -a "simulate" -d 'Show what headroom would save on conversations, before you trust it'
complete -c headroom -n "__fish_headroom_using_subcommand help; and not __fish_seen_subcommand_from compress retrieve simulate learn wrap proxy report mcp store completions help" -f -a "learn" -d 'Learn from past agent sessions what keeps going wrong, and tell the agent'
complete -c headroom -n "__fish_headroom_using_subcommand help; and not __fish_seen_subcommand_from compress retrieve simulate learn wrap proxy report mcp store completions help" -f -a "wrap" -d 'Run an agent with its LLM traffic through headroom, changing nothing on disk'
complete -c headroom -n "__fish_headroom_using_subcommand help; and not __fish_seen_subcommand_from compress retrieve simulate learn wrap proxy report mcp store completions help" -f -a "proxy" -d 'Run an OpenAI- and Anthropic-compatible proxy that compresses tool results'
complete -c headroom -n "__fish_headroom_using_subcommand help; and not __fish_seen_subcommand_from compress retrieve simulate learn wrap proxy report mcp store completions help" -f -a "report" -d 'Show what you spent on models and what headroom saved'
complete -c headroom -n "__fish_headroom_using_subcommand help; and not __fish_seen_subcommand_from compress retrieve simulate learn wrap proxy report mcp store completions help" -f -a "mcp" -d 'An MCP server with headroom_retrieve, headroom_compress and headroom_stats'
complete -c headroom -n "__fish_headroom_using_subcommand help; and not __fish_seen_subcommand_from compress retrieve simulate learn wrap proxy report mcp store completions help" -f -a "store" -d 'Manage the store of originals and usage records'
complete -c headroom -n "__fish_headroom_using_subcommand help; and not __fish_seen_subcommand_from compress retrieve simulate learn wrap proxy report mcp store completions help" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c headroom -n "__fish_headroom_using_subcommand help; and not __fish_seen_subcommand_from compress retrieve simulate learn wrap proxy report mcp store completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c headroom -n "__fish_headroom_using_subcommand help; and __fish_seen_subcommand_from mcp" -f -a "serve" -d 'Serve the tools over stdio (what agents launch), or over HTTP with --http'
complete -c headroom -n "__fish_headroom_using_subcommand help; and __fish_seen_subcommand_from mcp" -f -a "install" -d 'Register `headroom mcp serve` with an agent (Claude Code: user scope unless --project)'
complete -c headroom -n "__fish_headroom_using_subcommand help; and __fish_seen_subcommand_from mcp" -f -a "uninstall" -d 'Remove what `install` added'
complete -c headroom -n "__fish_headroom_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "migrate" -d 'Copy every live original and usage record from one store to another'
