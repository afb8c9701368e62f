"""The agent layer: LLM setup, the audio agent and the ``audio-agent`` command line.

Composes :mod:`audio_tools` and :mod:`audio_tools.rag`; nothing below imports it. Installed
only as ``audio_tools.agents`` (a top-level ``agents`` belongs to other projects, such as
``openai-agents``); the repository's top-level ``agents/`` folder is a link here.

Importing this package is cheap; LangChain loads with the first name used::

    from audio_tools.agents import create_audio_agent, run_turn
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audio_tools.lazy import lazy_getattr

# name -> module that defines it
_LAZY: dict[str, str] = {
    "create_audio_agent": "audio_tools.agents.agent",
    "run_turn": "audio_tools.agents.agent",
    "open_sessions": "audio_tools.agents.agent",
    "session_config": "audio_tools.agents.agent",
    "Turn": "audio_tools.agents.agent",
    "TurnEvents": "audio_tools.agents.agent",
    "SYSTEM_PROMPT": "audio_tools.agents.agent",
    "chat_model_for": "audio_tools.agents.llm",
}

__all__ = [
    "SYSTEM_PROMPT",
    "Turn",
    "TurnEvents",
    "chat_model_for",
    "create_audio_agent",
    "open_sessions",
    "run_turn",
    "session_config",
]

if TYPE_CHECKING:
    from audio_tools.agents.agent import (
        SYSTEM_PROMPT,
        Turn,
        TurnEvents,
        create_audio_agent,
        open_sessions,
        run_turn,
        session_config,
    )
    from audio_tools.agents.llm import chat_model_for


__getattr__ = lazy_getattr("audio_tools.agents", _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
