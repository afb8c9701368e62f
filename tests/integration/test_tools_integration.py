"""LangChain's standard integration tests (``ToolsIntegrationTests``) for every audio tool, offline.

Each tool runs for real (flite, pocketsphinx, synth) in a workspace holding real audio, so
every call must return a non-None artifact.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.standard_tools import StandardToolCase
from helpers.tool_workspace import make_music, make_speech
from langchain_tests.integration_tests import ToolsIntegrationTests

from audio_tools.tools.mix import MixSpeechWithMusicTool
from audio_tools.tools.speech_to_text import SpeechToTextTool
from audio_tools.tools.story import StoryAudioTool
from audio_tools.tools.text_to_music import TextToMusicTool
from audio_tools.tools.text_to_speech import TextToSpeechTool


@pytest.fixture(scope="module")
def seeded_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    make_speech(root / "speech.wav")
    make_music(root / "music.wav")
    return root


class _InWorkspace(StandardToolCase, ToolsIntegrationTests):
    """Every test class shares the module's workspace, which holds speech.wav and music.wav."""

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _root(cls, seeded_root: Path) -> None:
        cls.root = seeded_root


class TestTextToSpeechIntegration(_InWorkspace):
    tool_class = TextToSpeechTool


class TestTextToMusicIntegration(_InWorkspace):
    tool_class = TextToMusicTool


class TestSpeechToTextIntegration(_InWorkspace):
    tool_class = SpeechToTextTool


class TestMixSpeechWithMusicIntegration(_InWorkspace):
    tool_class = MixSpeechWithMusicTool


class TestStoryAudioIntegration(_InWorkspace):
    tool_class = StoryAudioTool
