"""Hardening finding 3: a header that lies about the length never buys hours of decoding.

A 240 kB FLAC whose header says 1 s but decodes for 20 h passed ``mix_speech_with_music``
(42 s of CPU; a 20 MB one would hold ffmpeg until its 3600 s timeout). Every decode must be
bounded by the declared duration plus a small slack and by the cap (``-t``), and a file that
decodes longer than it declared is refused at once. The time to refuse is measured outside the
tests (`python benchmarks/lying_header.py`); here each ffmpeg run is checked to be bounded by the declared second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.lying_audio import lying_flac
from helpers.tool_workspace import OFFLINE_BACKENDS, call_tool, make_music, make_speech
from langchain_core.tools import BaseTool

from audio_tools.audio import load_audio, stream_audio
from audio_tools.config import Settings
from audio_tools.errors import InvalidAudioError
from audio_tools.stt import transcribe
from audio_tools.tools import AudioToolkit

TRUE_S = 80  # what the file decodes to (under the length that starts pocketsphinx's workers)
CLAIMED_S = 1  # what its header says
MAX_BOUND_S = 3.0  # no ffmpeg run may decode more than this from a file that claims 1 s
REFUSAL = "longer than its header"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    lying_flac(root / "lying.flac", TRUE_S, CLAIMED_S)
    make_speech(root / "speech.wav")
    make_music(root / "music.wav", seconds=4.0)
    return root


@pytest.fixture
def tools(folder: Path) -> dict[str, BaseTool]:
    settings = Settings(workspace=folder, **OFFLINE_BACKENDS)
    return {t.name: t for t in AudioToolkit(settings=settings).get_tools()}


def bounds(spawns: list[Any], demuxer: str | None = None) -> list[float]:
    """The ``-t`` of every ffmpeg run (infinity where there is none); only those reading ``demuxer`` if given."""
    found = []
    for spawn in spawns:
        args = spawn.args
        if Path(args[0]).name != "ffmpeg":
            continue
        if demuxer is not None and not any(args[i:i + 2] == ["-f", demuxer] for i in range(len(args) - 1)):
            continue
        found.append(max((float(args[i + 1]) for i, a in enumerate(args[:-1]) if a == "-t"), default=float("inf")))
    return found



@pytest.mark.parametrize(("tool", "args"), [
    ("speech_to_text", {"audio_path": "lying.flac"}),
    ("mix_speech_with_music", {"speech_path": "lying.flac", "music_path": "music.wav"}),
    ("mix_speech_with_music", {"speech_path": "speech.wav", "music_path": "lying.flac"}),
])
def test_tools_refuse_a_lying_header_at_once(tool: str, args: dict[str, Any], tools: dict[str, BaseTool],
                                             spawns: list[Any]) -> None:
    message = call_tool(tools[tool], args)
    assert message.status == "error" and REFUSAL in str(message.content), message.content
    assert max(bounds(spawns)) < TRUE_S / 10, bounds(spawns)  # nothing decodes the whole file...
    assert bounds(spawns, "flac") and max(bounds(spawns, "flac")) <= MAX_BOUND_S  # ...nor past the claimed second


def test_the_library_refuses_a_lying_header_at_once(folder: Path, spawns: list[Any]) -> None:
    settings = Settings(workspace=folder, **OFFLINE_BACKENDS)
    lying = folder / "lying.flac"
    with pytest.raises(InvalidAudioError, match=REFUSAL):
        load_audio(lying, settings=settings)
    with pytest.raises(InvalidAudioError, match=REFUSAL):
        for _ in stream_audio(lying, block_s=0.5, settings=settings):
            pass
    with pytest.raises(InvalidAudioError, match=REFUSAL):
        transcribe(lying, settings=settings)
    assert bounds(spawns) and max(bounds(spawns)) <= MAX_BOUND_S, bounds(spawns)


def test_honest_files_decode_whole(folder: Path, spawns: list[Any]) -> None:
    """Control: the bound follows what the header declares, so an honest file is never cut."""
    settings = Settings(workspace=folder, **OFFLINE_BACKENDS)
    honest = folder / "speech.wav"
    samples = load_audio(honest, settings=settings)
    assert samples.size > 2 * 16000
    assert max(bounds(spawns)) < 10.0  # bounded by its own few seconds, not by the 4 h cap
