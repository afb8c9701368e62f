"""The audio capabilities as LangChain tools, and :class:`AudioToolkit` to configure them once.

Importing this package is cheap; ``langchain_core`` and the backends load with the first
name used::

    from audio_tools.tools import AudioToolkit

    tools = AudioToolkit(root="work").get_tools()
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audio_tools.lazy import lazy_getattr

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


__getattr__ = lazy_getattr('audio_tools.tools', _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)
