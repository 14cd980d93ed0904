"""Drives `headroom mcp serve` with the official Python MCP SDK (tests/it/mcp.rs).

usage: mcp_client.py MODE SERVER...
  MODE    legacy (initialize handshake) or auto (server/discover, 2026-07-28)
  SERVER  an http://… URL, or the command line of a stdio server

Prints one JSON object with what each step returned; the Rust test asserts on it.
"""

import asyncio
import json
import os
import re
import sys

from mcp import Client, StdioServerParameters
from mcp.client.stdio import get_default_environment
from mcp.shared.exceptions import MCPError


def texts(result):
    return [c.text for c in result.content]


async def main(mode, server):
    if not server[0].startswith("http"):
        # The SDK passes servers only a safe subset of the environment.
        env = {**get_default_environment(), "HEADROOM_HOME": os.environ["HEADROOM_HOME"]}
        server = StdioServerParameters(command=server[0], args=server[1:], env=env)
    else:
        server = server[0]
    out = {}
    async with Client(server, mode=mode) as client:
        out["protocol_version"] = client.protocol_version
        out["server_name"] = client.server_info.name if client.server_info else None
        tools = await client.list_tools()
        out["tools"] = [t.name for t in tools.tools]
        rows = [{"id": i, "name": f"user{i}", "status": "active" if i != 37 else "suspended"} for i in range(200)]
        original = json.dumps(rows, indent=2)
        out["original"] = original
        r = await client.call_tool("headroom_compress", {"content": original})
        out["compress"] = {"is_error": r.is_error, "texts": texts(r)}
        hashes = [h for t in texts(r) for h in re.findall(r"hash=([0-9a-f]{16})", t)]
        out["hash"] = hashes[0] if hashes else None
        if hashes:
            r = await client.call_tool("headroom_retrieve", {"hash": hashes[0], "limit": 10_000_000})
            out["retrieve"] = {"is_error": r.is_error, "texts": texts(r)}
            r = await client.call_tool("headroom_retrieve", {"hash": hashes[0], "query": "suspended"})
            out["retrieve_query"] = {"is_error": r.is_error, "texts": texts(r)}
            r = await client.call_tool("headroom_retrieve", {"hash": hashes[0], "limit": 1000})
            out["retrieve_page"] = {"is_error": r.is_error, "texts": texts(r)}
        r = await client.call_tool("headroom_retrieve", {"hash": "0123456789abcdef"})
        out["unknown_hash"] = {"is_error": r.is_error, "texts": texts(r)}
        r = await client.call_tool("headroom_retrieve", {"hash": 42})
        out["bad_argument"] = {"is_error": r.is_error, "texts": texts(r)}
        try:
            await client.call_tool("no_such_tool", {})
            out["unknown_tool"] = None
        except MCPError as e:
            out["unknown_tool"] = {"code": e.error.code, "message": e.error.message}
        r = await client.call_tool("headroom_stats", {})
        out["stats"] = {"is_error": r.is_error, "texts": texts(r)}
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
