"""LangChain's standard unit tests (``ToolsUnitTests``) for every audio tool."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.standard_tools import StandardToolCase
from langchain_tests.unit_tests import ToolsUnitTests

from audio_tools.config import Settings
from audio_tools.tools.mix import MixSpeechWithMusicTool
from audio_tools.tools.speech_to_text import SpeechToTextTool
from audio_tools.tools.story import StoryAudioTool
from audio_tools.tools.text_to_music import TextToMusicTool
from audio_tools.tools.text_to_speech import TextToSpeechTool


class _InWorkspace(StandardToolCase, ToolsUnitTests):
    """Each test class gets a fresh, empty workspace (a temporary directory)."""

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _root(cls, tmp_path_factory: pytest.TempPathFactory) -> None:
        cls.root = tmp_path_factory.mktemp("workspace")

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        env = {"AUDIO_TOOLS_WORKSPACE": str(self.root), "AUDIO_TOOLS_TTS": "flite", "AUDIO_TOOLS_STT": "pocketsphinx",
               "AUDIO_TOOLS_MUSIC": "synth", "AUDIO_TOOLS_MAX_TEXT_CHARS": "500"}
        expected = Settings(workspace=self.root, tts="flite", stt="pocketsphinx", music="synth", max_text_chars=500)
        return env, {}, {"settings": expected}


class TestTextToSpeechUnit(_InWorkspace):
    tool_class = TextToSpeechTool


class TestTextToMusicUnit(_InWorkspace):
    tool_class = TextToMusicTool


class TestSpeechToTextUnit(_InWorkspace):
    tool_class = SpeechToTextTool


class TestMixSpeechWithMusicUnit(_InWorkspace):
    tool_class = MixSpeechWithMusicTool


class TestStoryAudioUnit(_InWorkspace):
    tool_class = StoryAudioTool
