"""Driving the audio agent against the loopback OpenAI server, streamed or not.

The chat model is the real ``langchain-openai`` ``ChatOpenAI`` (through
``openai-compatible:MODEL@URL``); the server answers from a script
(:mod:`helpers.chat_completions`). ``agent.invoke`` makes the client send plain requests;
:func:`audio_tools.agents.agent.run_turn` streams the graph with ``messages`` mode, which makes
it send ``"stream": true`` and parse server-sent events.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from audio_tools.agents.agent import Turn, run_turn, session_config
from helpers.chat_completions import ScriptItem, scripted_chat_route
from helpers.openai_server import OpenAIServer

__all__ = ["CHAT", "MODES", "Mode", "ask", "chat_server", "model_spec", "streamed_flags"]

CHAT = "/v1/chat/completions"
Mode = Literal["invoke", "stream"]
MODES: tuple[Mode, ...] = ("invoke", "stream")


def chat_server(script: Iterable[ScriptItem]) -> OpenAIServer:
    """A server answering chat completions from ``script``; ``with`` starts and stops it."""
    server = OpenAIServer()
    server.add_route("POST", CHAT, scripted_chat_route(script))
    return server


def model_spec(server: OpenAIServer) -> str:
    """The ``--llm`` spec of the scripted model on ``server``."""
    return f"openai-compatible:scripted-model@{server.base_url}"


def ask(agent: Any, text: str, mode: Mode, thread_id: str | None = None) -> Turn:
    """One user message through ``agent``, as a :class:`Turn` either way."""
    if mode == "stream":
        return run_turn(agent, text, thread_id=thread_id)
    config = session_config(thread_id) if thread_id is not None else None
    messages = agent.invoke({"messages": [HumanMessage(text)]}, config)["messages"]
    last_human = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
    turn = Turn(text)
    for message in messages[last_human + 1:]:
        if isinstance(message, AIMessage):
            turn.tool_calls += [{"name": c["name"], "args": c["args"], "id": c["id"]} for c in message.tool_calls]
            if not message.tool_calls:
                turn.reply = str(message.text)
        elif isinstance(message, ToolMessage):
            turn.tool_results.append({"name": message.name, "id": message.tool_call_id, "status": message.status,
                                      "content": str(message.text)})
            if isinstance(message.artifact, dict) and message.artifact.get("path"):
                turn.artifacts.append({"tool": message.name, **message.artifact})
    return turn


def streamed_flags(server: OpenAIServer) -> set[bool]:
    """Whether each chat request asked to be streamed."""
    return {bool(r.fields.get("stream")) for r in server.requests_to(CHAT)}
