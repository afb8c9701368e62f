"""The audio capabilities as LangChain tools, and :class:`AudioToolkit` to configure them once.

Importing this package is cheap; ``langchain_core`` and the backends load with the first
name used::

    from audio_tools.tools import AudioToolkit

    tools = AudioToolkit(root="work").get_tools()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> module that defines it
_LAZY: dict[str, str] = {
    "AudioToolkit": "audio_tools.tools.toolkit",
    "AudioTool": "audio_tools.tools.base",
    "TextToSpeechTool": "audio_tools.tools.text_to_speech",
    "SpeechToTextTool": "audio_tools.tools.speech_to_text",
    "TextToMusicTool": "audio_tools.tools.text_to_music",
    "MixSpeechWithMusicTool": "audio_tools.tools.mix",
    "StoryAudioTool": "audio_tools.tools.story",
}

__all__ = [
    "AudioTool",
    "AudioToolkit",
    "MixSpeechWithMusicTool",
    "SpeechToTextTool",
    "StoryAudioTool",
    "TextToMusicTool",
    "TextToSpeechTool",
]

if TYPE_CHECKING:
    from audio_tools.tools.base import AudioTool
    from audio_tools.tools.mix import MixSpeechWithMusicTool
    from audio_tools.tools.speech_to_text import SpeechToTextTool
    from audio_tools.tools.story import StoryAudioTool
    from audio_tools.tools.text_to_music import TextToMusicTool
    from audio_tools.tools.text_to_speech import TextToSpeechTool
    from audio_tools.tools.toolkit import AudioToolkit


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'audio_tools.tools' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
