"""The toolkit's configuration, the tools' schemas, error translation and async cancellation."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.tools import ToolException
from pydantic import ValidationError

from audio_tools.config import Settings
from audio_tools.errors import BackendError, InvalidInputError
from audio_tools.registry import BackendSpec
from audio_tools.tools import AudioToolkit
from audio_tools.tools.base import AudioTool, describe_validation_error, tool_errors
from audio_tools.tools.inputs import MixInput, SpeechToTextInput, StoryInput, TextToMusicInput, TextToSpeechInput
from audio_tools.tools.toolkit import TOOL_NAMES
from audio_tools.tts import TTS_BACKENDS
from audio_tools.workspace import Workspace

SAFETY_FIELDS = {"workspace", "backend", "settings", "retention_s", "max_output_bytes", "overwrite", "path", "out"}


def test_get_tools_returns_every_tool_on_one_workspace(tmp_path: Path) -> None:
    toolkit = AudioToolkit(root=tmp_path, tts="flite", stt="pocketsphinx", music="synth", device="cpu")
    tools = toolkit.get_tools()
    assert [t.name for t in tools] == list(TOOL_NAMES)
    assert all(isinstance(t, AudioTool) and t.workspace is toolkit.workspace for t in tools)
    settings = toolkit.workspace.settings
    assert (settings.workspace, settings.tts, settings.stt, settings.music, settings.device) == (
        tmp_path.resolve(), "flite", "pocketsphinx", "synth", "cpu")
    assert all(t.response_format == "content_and_artifact" and t.handle_tool_error is True for t in tools)


def test_include_and_retention(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path, retention_days=3)
    (tts,) = AudioToolkit(settings=settings, include=("text_to_speech",), max_output_bytes=10).get_tools()
    assert isinstance(tts, AudioTool)
    assert tts.retention_s == 3 * 86400 and tts.max_output_bytes == 10
    (tts,) = AudioToolkit(settings=settings, include=("text_to_speech",), retention_days=0).get_tools()
    assert isinstance(tts, AudioTool) and tts.retention_s is None


def test_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIO_TOOLS_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("AUDIO_TOOLS_TTS", "espeak")
    monkeypatch.setenv("AUDIO_TOOLS_MAX_TEXT_CHARS", "300")
    toolkit = AudioToolkit.from_env(music="synth", max_music_s=20.0, max_output_bytes=1000)
    settings = toolkit.workspace.settings
    assert toolkit.workspace.root == tmp_path.resolve()
    assert (settings.tts, settings.music, settings.max_text_chars, settings.max_music_s) == ("espeak", "synth", 300,
                                                                                            20.0)
    assert toolkit.max_output_bytes == 1000


def test_a_workspace_that_is_not_a_folder_is_refused(tmp_path: Path) -> None:
    toolkit = AudioToolkit(root=tmp_path / "missing")
    with pytest.raises(InvalidInputError, match="not a directory"):
        toolkit.get_tools()


@pytest.mark.parametrize("model", [TextToSpeechInput, SpeechToTextInput, TextToMusicInput, MixInput, StoryInput])
def test_every_argument_is_described_and_none_is_a_safety_setting(model: type[Any]) -> None:
    properties = model.model_json_schema()["properties"]
    assert all(p.get("description") for p in properties.values())
    assert not set(properties) & SAFETY_FIELDS
    assert model.model_json_schema().get("additionalProperties") is False


def test_tool_args_are_the_input_models(tmp_path: Path) -> None:
    for tool in AudioToolkit(root=tmp_path).get_tools():
        assert not set(tool.args) & SAFETY_FIELDS
        assert tool.description and len(tool.description) < 400


def test_validation_errors_name_the_field_and_clip_the_input() -> None:
    with pytest.raises(ValidationError) as caught:
        TextToMusicInput.model_validate({"prompt": "x" * 5000, "duration_s": -1})
    text = describe_validation_error(caught.value)
    assert text.startswith("Invalid arguments: prompt: String should have at most 1000 characters")
    assert "duration_s: Input should be greater than 0 (got -1)" in text
    assert "call it again" in text and len(text) < 400


def test_tool_errors_become_tool_exceptions_with_advice() -> None:
    with pytest.raises(ToolException, match=r"^speak failed: The engine broke\. Try another voice\.$"), \
            tool_errors("speak"):
        raise BackendError("The engine broke. Try another voice.")
    with pytest.raises(ToolException, match=r"speak failed unexpectedly \(KeyError: 'x'\)\. Try again"), \
            tool_errors("speak"):
        raise KeyError("x")


class _Waiting(AudioTool):
    """Blocks until cancelled (or 5 s), recording whether its cancel event was set."""

    name: str = "waiting"
    description: str = "Waits."
    cancellable: ClassVar[bool] = True
    seen: ClassVar[list[bool]] = []

    def _execute(self, cancel: threading.Event | None = None) -> tuple[str, dict[str, Any]]:
        assert cancel is not None
        self.seen.append(cancel.wait(5))
        return "done", {}


async def test_cancelling_an_async_call_stops_the_worker(tmp_path: Path) -> None:
    tool = _Waiting(workspace=Workspace(tmp_path, Settings(workspace=tmp_path)))
    task = asyncio.create_task(tool.ainvoke({}))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(50):
        if _Waiting.seen:
            break
        await asyncio.sleep(0.02)
    assert _Waiting.seen == [True]


def test_tools_share_one_loaded_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audio_tools.tts import flite

    built: list[BackendSpec] = []

    def counting(spec: BackendSpec, settings: Settings) -> Any:
        built.append(spec)
        return flite.make(BackendSpec("flite"), settings)

    monkeypatch.setitem(TTS_BACKENDS._factories, "counting", counting)
    monkeypatch.setitem(TTS_BACKENDS._descriptions, "counting", "flite, counted")
    try:
        for _ in range(2):  # two toolkits, two calls each
            (tts,) = AudioToolkit(root=tmp_path, tts="counting", device="cpu", include=("text_to_speech",)).get_tools()
            for text in ("One.", "Two."):
                assert tts.invoke({"name": tts.name, "args": {"text": text}, "id": "1", "type": "tool_call"}).artifact
    finally:
        TTS_BACKENDS.clear()
    assert built == [BackendSpec("counting")]


def test_importing_the_package_loads_no_langchain() -> None:
    code = ("import sys, audio_tools.tools; "
            "assert not [m for m in sys.modules if m.startswith(('langchain', 'pydantic', 'openai'))], sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
