"""A synchronous handle on an ``advisor mcp`` subprocess, driven by the SDK's own client.

The SDK's client is async (``ClientSession`` over ``stdio_client`` or
``streamable_http_client``); an anyio blocking portal runs it on a thread of its own, so that a
module-scoped fixture can start one server and plain tests can call it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from anyio.from_thread import start_blocking_portal
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent


class McpClient:
    """One server process and one client session, until ``close()``."""

    def __init__(self, transport: Callable[[], Any]) -> None:
        self._stack = contextlib.ExitStack()
        try:
            self.portal = self._stack.enter_context(start_blocking_portal())
            read, write = self._stack.enter_context(
                self.portal.wrap_async_context_manager(transport())
            )[:2]
            self.session = self._stack.enter_context(
                self.portal.wrap_async_context_manager(ClientSession(read, write))
            )
            self.portal.call(self.session.initialize)
        except BaseException:
            self._stack.close()
            raise

    @classmethod
    def stdio(
        cls,
        args: list[str],
        errlog: TextIO,
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> McpClient:
        """Start ``python -m advisor mcp ARGS`` and talk to it over its stdin and stdout."""
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "advisor", "mcp", *args], env=env, cwd=cwd
        )
        return cls(lambda: stdio_client(params, errlog=errlog))

    @classmethod
    def http(cls, url: str) -> McpClient:
        return cls(lambda: streamable_http_client(url))

    def call(self, tool: str, /, **arguments: Any) -> CallToolResult:
        return self.portal.call(functools.partial(self.session.call_tool, tool, arguments))

    def json(self, tool: str, /, **arguments: Any) -> dict[str, Any]:
        """The tool's JSON document; fails when the call is a tool error."""
        result = self.call(tool, **arguments)
        assert not result.is_error, text_of(result)
        assert result.structured_content is not None
        doc = json.loads(text_of(result, 1))
        assert doc == result.structured_content  # the JSON text and the structured content agree
        return doc

    def list_tools(self) -> Any:
        return self.portal.call(self.session.list_tools)

    def list_resources(self) -> Any:
        return self.portal.call(self.session.list_resources)

    def read_resource(self, uri: str) -> Any:
        return self.portal.call(self.session.read_resource, uri)

    def list_prompts(self) -> Any:
        return self.portal.call(self.session.list_prompts)

    def get_prompt(self, name: str, arguments: dict[str, str]) -> Any:
        return self.portal.call(functools.partial(self.session.get_prompt, name, arguments))

    def close(self) -> None:
        self._stack.close()


def text_of(result: CallToolResult, index: int = 0) -> str:
    block = result.content[index]
    assert isinstance(block, TextContent)
    return block.text


def server_log(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")
