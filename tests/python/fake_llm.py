"""A scripted fake of the remote side for the wrap tests with the real agents.

Answers Anthropic Messages (/v1/messages) and OpenAI Responses
(/v1/responses) as server-sent events, like the real APIs stream them:
the first turn asks for one shell command (COMMAND), the turn that carries
its result gets a final text (FINAL). With QUERY, a turn that carries the
result with a headroom marker and offers the `headroom_retrieve` tool calls
that tool first (the marker's hash, QUERY), and the final text then ends with
the first line of the tool's answer. A COMMAND of `mcp:HASH` asks for
headroom's MCP tool instead: `headroom_retrieve` with that hash (Claude
Code: found through its ToolSearch step first when the tool is deferred;
Codex: in the `mcp__headroom` namespace). Every request is appended to RECORD as
one JSON line (method, path, body). Listens on 127.0.0.1, any free port, and
writes the port to PORT_FILE once ready.

Usage: fake_llm.py PORT_FILE RECORD COMMAND FINAL [QUERY]
"""

import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT_FILE, RECORD, COMMAND, FINAL = sys.argv[1:5]
QUERY = sys.argv[5] if len(sys.argv) > 5 else ""
MARKER = re.compile(r"retrieve: headroom_retrieve hash=([0-9a-f]{16})")


def retrieval(body, answers):
    """("call", args) to call headroom_retrieve, ("final", text), or None."""
    if answers:
        return ("final", f"{FINAL}. Retrieved: {answers[-1].splitlines()[0]}")
    tools = {t.get("name") or t.get("function", {}).get("name") for t in body.get("tools", [])}
    found = MARKER.search(json.dumps(body))
    if QUERY and "headroom_retrieve" in tools and found:
        return ("call", {"hash": found.group(1), "query": QUERY})
    return None


MCP_HASH = COMMAND[4:] if COMMAND.startswith("mcp:") else None


def anthropic_mcp_call(body):
    """The next tool call (name, id, input) of an MCP run, or None to finish."""
    done = {b.get("tool_use_id") for m in body.get("messages", [])
            if isinstance(m.get("content"), list) for b in m["content"]
            if b.get("type") == "tool_result"}
    if "toolu_fake_mcp" in done:
        return None
    tools = {t.get("name"): t for t in body.get("tools", [])}
    name = "mcp__headroom__headroom_retrieve"
    searched = "toolu_fake_search" in done
    if searched or (name in tools and not tools[name].get("defer_loading")):
        return name, "toolu_fake_mcp", {"hash": MCP_HASH}
    if "ToolSearch" in tools:
        return "ToolSearch", "toolu_fake_search", {"query": "select:" + name, "max_results": 1}
    return None


def text(v):
    return v if isinstance(v, str) else json.dumps(v)


def sse(event, data):
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def anthropic(body):
    messages = body.get("messages", [])
    has_result = any(
        isinstance(m.get("content"), list)
        and any(b.get("type") == "tool_result" for b in m["content"])
        for m in messages
    )
    tools = {t.get("name") for t in body.get("tools", [])}
    answers = [text(b.get("content")) for m in messages if isinstance(m.get("content"), list)
               for b in m["content"] if b.get("tool_use_id") == "toolu_hr1"]
    then = retrieval(body, answers) if has_result else None
    usage = {"input_tokens": 10, "output_tokens": 1,
             "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
    start = {"type": "message_start", "message": {
        "id": "msg_fake", "type": "message", "role": "assistant",
        "model": body.get("model", "m"), "content": [], "stop_reason": None,
        "stop_sequence": None, "usage": usage}}
    out = [sse("message_start", start)]
    if MCP_HASH:
        call = anthropic_mcp_call(body)
    elif "Bash" in tools and not has_result:
        call = ("Bash", "toolu_fake1", {"command": COMMAND, "description": "Print the data"})
    else:
        call = None
    if call:
        name, call_id, call = call
        out += [
            sse("content_block_start", {"type": "content_block_start", "index": 0,
                "content_block": {"type": "tool_use", "id": call_id, "name": name, "input": {}}}),
            sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": json.dumps(call)}}),
            sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ]
        stop = "tool_use"
    elif then and then[0] == "call":
        out += [
            sse("content_block_start", {"type": "content_block_start", "index": 0,
                "content_block": {"type": "tool_use", "id": "toolu_hr1", "name": "headroom_retrieve", "input": {}}}),
            sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": json.dumps(then[1])}}),
            sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ]
        stop = "tool_use"
    else:
        out += [
            sse("content_block_start", {"type": "content_block_start", "index": 0,
                "content_block": {"type": "text", "text": ""}}),
            sse("content_block_delta", {"type": "content_block_delta", "index": 0,
                "delta": {"type": "text_delta", "text": then[1] if then else FINAL}}),
            sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ]
        stop = "end_turn"
    out += [
        sse("message_delta", {"type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": 5}}),
        sse("message_stop", {"type": "message_stop"}),
    ]
    return out


def responses(body):
    items = body.get("input", [])
    has_result = any(i.get("type") == "function_call_output" for i in items)
    tools = {t.get("name") for t in body.get("tools", [])}
    answers = [text(i.get("output")) for i in items
               if i.get("type") == "function_call_output" and i.get("call_id") == "call_hr1"]
    then = retrieval(body, answers) if has_result else None
    if MCP_HASH and not has_result and "mcp__headroom" in tools:
        item = {"type": "function_call", "id": "fc_fake1", "call_id": "call_fake_mcp",
                "name": "headroom_retrieve", "namespace": "mcp__headroom", "status": "completed",
                "arguments": json.dumps({"hash": MCP_HASH})}
    elif MCP_HASH:
        item = {"type": "message", "id": "msg_fake1", "status": "completed", "role": "assistant",
                "content": [{"type": "output_text", "text": FINAL, "annotations": []}]}
    elif then and then[0] == "call":
        item = {"type": "function_call", "id": "fc_hr1", "call_id": "call_hr1",
                "name": "headroom_retrieve", "status": "completed", "arguments": json.dumps(then[1])}
    elif not has_result and "exec_command" in tools:
        item = {"type": "function_call", "id": "fc_fake1", "call_id": "call_fake1",
                "name": "exec_command", "status": "completed",
                "arguments": json.dumps({"cmd": COMMAND})}
    elif not has_result and "shell" in tools:
        item = {"type": "function_call", "id": "fc_fake1", "call_id": "call_fake1",
                "name": "shell", "status": "completed",
                "arguments": json.dumps({"command": ["bash", "-lc", COMMAND]})}
    else:
        item = {"type": "message", "id": "msg_fake1", "status": "completed", "role": "assistant",
                "content": [{"type": "output_text", "text": then[1] if then else FINAL, "annotations": []}]}
    resp = {"id": "resp_fake", "object": "response", "created_at": 1, "status": "in_progress",
            "model": body.get("model", "m"), "output": []}
    done = dict(resp, status="completed", output=[item], usage={
        "input_tokens": 10, "output_tokens": 5, "total_tokens": 15,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0}})
    return [
        sse("response.created", {"type": "response.created", "sequence_number": 0, "response": resp}),
        sse("response.output_item.added", {"type": "response.output_item.added",
            "sequence_number": 1, "output_index": 0, "item": item}),
        sse("response.output_item.done", {"type": "response.output_item.done",
            "sequence_number": 2, "output_index": 0, "item": item}),
        sse("response.completed", {"type": "response.completed", "sequence_number": 3, "response": done}),
    ]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self):
        self.record(None)
        self.send_response(404)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length", "0")))
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        self.record(body)
        path = self.path.split("?")[0]
        if path.endswith("/messages"):
            events = anthropic(body)
        elif path.endswith("/responses"):
            events = responses(body)
        else:
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        data = "".join(events).encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, body):
        with open(RECORD, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path, "body": body}) + "\n")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
