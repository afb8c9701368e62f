"""A chat model that replays scripted messages (tool calls included) and accepts ``bind_tools``.

``GenericFakeChatModel`` has no ``bind_tools``, which ``langchain.agents.create_agent`` calls;
the tools are not needed to replay a script, so binding returns the model itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

__all__ = ["ScriptedChatModel"]


class ScriptedChatModel(GenericFakeChatModel):
    """Answers each turn with the next scripted message."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        return self
