"""A stand-in for a real chat model: a scripted OpenAI-compatible server on 127.0.0.1.

The notebooks run offline, with no model to call, so ``04_embed_in_your_agent.ipynb`` points
``ChatOpenAI`` at this server instead. It answers ``POST /v1/chat/completions`` (not streamed)
with the next reply of a script: tool calls, then a final text. A reply may also be a function
of the messages the agent sent, so that the script can read the tool results as a real model
would. Swap it for a real model (OpenAI, Ollama...) and nothing else in the notebook changes.

Example::

    with StandinLLM([Call("search_recordings", {"query": "launch date"}), "It is on the 3rd."]) as llm:
        model = ChatOpenAI(model="stand-in", base_url=llm.base_url, api_key="not-needed")
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["Call", "Reply", "StandinLLM"]

MAX_REQUEST_BYTES = 16 * 2**20  # a chat request with every tool schema and a long history is well under 1 MB


@dataclass(frozen=True)
class Call:
    """One tool call the scripted model makes: the tool's name and its arguments."""

    name: str
    args: dict[str, Any]


Reply = str | Call
ScriptItem = Reply | Callable[[list[dict[str, Any]]], Reply]


class StandinLLM:
    """A scripted ``/v1/chat/completions`` server, running in a thread while the ``with`` block lasts.

    Attributes:
        requests: the messages of each request received, in order.
    """

    def __init__(self, script: Iterable[ScriptItem]) -> None:
        """Serve ``script``: each request gets its next item (a text, a :class:`Call` or a function of the messages)."""
        self._script = iter(script)
        self._count = 0
        self.requests: list[list[dict[str, Any]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The URL to give an OpenAI client as ``base_url``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> StandinLLM:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()

    def completion(self, request: dict[str, Any]) -> dict[str, Any]:
        """The chat completion answering ``request`` (the JSON body the client sent)."""
        messages = request.get("messages", [])
        self.requests.append(messages)
        item = next(self._script, "The stand-in model has no scripted reply left.")
        reply = item(messages) if callable(item) else item
        self._count += 1
        message: dict[str, Any] = {"role": "assistant", "content": reply if isinstance(reply, str) else None}
        if isinstance(reply, Call):
            message["tool_calls"] = [{"id": f"call_{self._count}", "type": "function",
                                      "function": {"name": reply.name, "arguments": json.dumps(reply.args)}}]
        return {
            "id": f"chatcmpl-{self._count}", "object": "chat.completion", "created": 0,
            "model": request.get("model", "stand-in"),
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if isinstance(reply, Call) else "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                try:
                    length = int(self.headers.get("Content-Length", 0))
                    if not 0 <= length <= MAX_REQUEST_BYTES:
                        raise ValueError(length)
                    request = json.loads(self.rfile.read(length) or b"{}")
                    if not isinstance(request, dict):
                        raise TypeError(type(request).__name__)
                except (ValueError, TypeError) as e:
                    message = f"Not a JSON object of at most {MAX_REQUEST_BYTES} bytes: {e}"
                    self._send(400, {"error": {"message": message}})
                    return
                if self.path.rstrip("/") != "/v1/chat/completions" or request.get("stream"):
                    self._send(404, {"error": {"message": "Only non-streamed /v1/chat/completions is scripted."}})
                else:
                    self._send(200, owner.completion(request))

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the notebook's output free of one access-log line per request."""

        return Handler
