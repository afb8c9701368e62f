"""Scripted ``/v1/chat/completions`` for :class:`helpers.openai_server.OpenAIServer`.

A real OpenAI-compatible route: the real ``openai`` client (through ``langchain-openai``) sends
its request and parses the answer. Each request is answered with the next scripted reply; the
requests are kept on the server, so a test can check what the model was shown.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from helpers.openai_server import RecordedRequest, Response, Route

__all__ = ["scripted_chat_route"]


def scripted_chat_route(replies: Iterable[str | Callable[[RecordedRequest], str]]) -> Route:
    """A route answering each chat completion with the next reply (text, or a function of the request)."""
    script = iter(replies)
    counter = itertools.count()

    def route(request: RecordedRequest) -> Response:
        reply = next(script, None)
        if reply is None:
            return Response.error(500, "The scripted chat model has no reply left.")
        text = reply(request) if callable(reply) else reply
        return Response.json({
            "id": f"chatcmpl-{next(counter)}", "object": "chat.completion", "created": 0,
            "model": str(request.fields.get("model", "scripted")),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })

    return route
