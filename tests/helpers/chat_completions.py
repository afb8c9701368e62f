"""Scripted ``/v1/chat/completions`` for :class:`helpers.openai_server.OpenAIServer`.

A real OpenAI-compatible route: the real ``openai`` client (through ``langchain-openai``) sends
its request and parses the answer. Each request is answered with the next scripted reply; the
requests are kept on the server, so a test can check what the model was shown.

A reply is text, an :class:`Assistant` message (text and tool calls), or a function of the
request returning either, so that a scripted model can answer from what it was sent (the tool
results in the request's messages: :func:`tool_results`); a function that raises (a failed
check) is answered with a 400 naming the exception, which the client reports without retrying.
A request with ``"stream": true`` is answered as OpenAI streams: server-sent events, one
``chat.completion.chunk`` per piece of text or of a tool call's arguments, a usage chunk when
``stream_options.include_usage`` asks for it, then ``data: [DONE]``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from helpers.openai_server import RecordedRequest, Response, Route

__all__ = [
    "Assistant",
    "ToolCall",
    "call",
    "messages_of",
    "scripted_chat_route",
    "tool_results",
    "user_texts",
]

PIECE_CHARS = 7  # a streamed text or arguments string is cut into pieces this long


@dataclass(frozen=True)
class ToolCall:
    """One function call in an assistant message; the id is generated when None."""

    name: str
    args: dict[str, Any]
    id: str | None = None


@dataclass(frozen=True)
class Assistant:
    """An assistant message: text, tool calls, or both."""

    content: str = ""
    tool_calls: tuple[ToolCall, ...] = field(default_factory=tuple)


Reply = str | Assistant
ScriptItem = Reply | Callable[[RecordedRequest], Reply]


def call(name: str, call_id: str | None = None, **args: Any) -> Assistant:
    """An assistant message calling one tool."""
    return Assistant(tool_calls=(ToolCall(name, args, call_id),))


def messages_of(request: RecordedRequest) -> list[dict[str, Any]]:
    """The chat messages the client sent."""
    messages = request.fields.get("messages", [])
    return messages if isinstance(messages, list) else []


def tool_results(request: RecordedRequest) -> list[str]:
    """The content of each ``tool`` message in the request, in order (the last is the newest)."""
    return [_text(m.get("content")) for m in messages_of(request) if m.get("role") == "tool"]


def user_texts(request: RecordedRequest) -> list[str]:
    """The content of each ``user`` message in the request, in order."""
    return [_text(m.get("content")) for m in messages_of(request) if m.get("role") == "user"]


def scripted_chat_route(replies: Iterable[ScriptItem]) -> Route:
    """A route answering each chat completion with the next reply, streamed when the request asks."""
    script = iter(replies)
    counter = itertools.count()

    def route(request: RecordedRequest) -> Response:
        item = next(script, None)
        if item is None:
            return Response.error(500, "The scripted chat model has no reply left.")
        try:
            reply = item(request) if callable(item) else item
        except Exception as e:  # a failed check in a scripted reply: a 400, which the client does not retry
            return Response.error(400, f"The scripted reply failed: {e!r}")
        message = reply if isinstance(reply, Assistant) else Assistant(content=reply)
        number = next(counter)
        calls = [(c, c.id or f"call_{number}_{i}") for i, c in enumerate(message.tool_calls)]
        model = str(request.fields.get("model", "scripted"))
        if request.fields.get("stream"):
            return _streamed(message, calls, number, model, request)
        body: dict[str, Any] = {"role": "assistant", "content": message.content or None}
        if calls:
            body["tool_calls"] = [{"id": i, "type": "function",
                                   "function": {"name": c.name, "arguments": json.dumps(c.args)}} for c, i in calls]
        return Response.json({
            "id": f"chatcmpl-{number}", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "finish_reason": "tool_calls" if calls else "stop", "message": body}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })

    return route


def _streamed(message: Assistant, calls: list[tuple[ToolCall, str]], number: int, model: str,
              request: RecordedRequest) -> Response:
    head = {"id": f"chatcmpl-{number}", "object": "chat.completion.chunk", "created": 0, "model": model}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in _pieces(message.content)]
    for index, (tool_call, call_id) in enumerate(calls):
        events.append(chunk({"tool_calls": [{"index": index, "id": call_id, "type": "function",
                                             "function": {"name": tool_call.name, "arguments": ""}}]}))
        events += [chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                   for piece in _pieces(json.dumps(tool_call.args))]
    events.append(chunk({}, "tool_calls" if calls else "stop"))
    options = request.fields.get("stream_options") or {}
    if isinstance(options, dict) and options.get("include_usage"):
        events.append({**head, "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                                        "total_tokens": 2}})
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return Response(200, body.encode(), "text/event-stream")


def _pieces(text: str) -> list[str]:
    return [text[i:i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)]


def _text(content: Any) -> str:
    if isinstance(content, list):  # content blocks
        return "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return "" if content is None else str(content)
