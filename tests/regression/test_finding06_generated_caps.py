"""Hardening finding 6: a cap on everything generated, and long speech joined on disk.

16,000 characters of ``"9 "`` became 2,273 s of speech and +411 MB of memory: nothing capped
the length of generated speech, and every chunk's samples were held (and concatenated) in
memory before the file was written. Speech, music, mixes and stories must stop once past
``max_output_s`` with an error that says what to do, and the file path must keep memory
bounded by one chunk whatever the text's length.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from helpers.openai_server import OpenAIServer, RecordedRequest, Response, openai_settings

from audio_tools.audio import load_audio
from audio_tools.config import Settings
from audio_tools.errors import InputTooLargeError
from audio_tools.mix import mix_speech_over_music
from audio_tools.music import generate_music
from audio_tools.story import synthesize_story
from audio_tools.tools import AudioToolkit
from audio_tools.tts import asynthesize_speech, synthesize, synthesize_speech

pytestmark = pytest.mark.usefixtures("offline_tts")

BED = Path(__file__).parents[1] / "fixtures" / "music_bed_-14lufs.flac"
CAP = "AUDIO_TOOLS_MAX_OUTPUT_S"
NINES = "9 " * 2000  # 4,000 characters: two flite chunks, each about 230 s of speech


def capped(settings: Settings, seconds: float) -> Settings:
    return settings.with_(max_output_s=seconds, tts="flite:kal")  # kal: flite's fastest voice


def test_speech_to_a_file_stops_at_the_first_chunk_past_the_cap(settings: Settings) -> None:
    spoken: list[tuple[int, int]] = []
    with pytest.raises(InputTooLargeError, match=CAP) as refused:
        synthesize_speech(NINES, settings=capped(settings, 20.0), progress=lambda done, total: spoken.append((done,
                                                                                                             total)))
    assert "shorter text" in str(refused.value)
    assert spoken == []  # the first chunk alone passed the cap; the second was never spoken
    assert list((settings.workspace / "outputs").glob("*")) == []


def test_speech_joined_on_disk_is_the_speech_joined_in_memory(settings: Settings) -> None:
    text = "The first sentence is here. " * 80  # two chunks
    speech = synthesize(text, settings=capped(settings, 600.0))
    spoken = synthesize_speech(text, settings=capped(settings, 600.0))
    assert speech.chunks == spoken.chunks == 2
    assert spoken.duration_s == speech.duration_s
    on_disk = load_audio(spoken.path, sr=speech.sample_rate)
    assert np.abs(on_disk - speech.samples).max() < 1e-4  # 16-bit WAV of the same samples


def test_speech_in_memory_respects_the_cap(settings: Settings) -> None:
    with pytest.raises(InputTooLargeError, match=CAP):
        synthesize(NINES, settings=capped(settings, 20.0))


def test_the_text_to_speech_tool_refuses_past_the_cap(settings: Settings) -> None:
    (tool,) = AudioToolkit(settings=capped(settings, 20.0), include=("text_to_speech",)).get_tools()
    message = tool.invoke({"name": tool.name, "args": {"text": NINES}, "id": "1", "type": "tool_call"})
    assert message.status == "error"
    assert CAP in message.content and "shorter text" in message.content
    assert [p for p in (settings.workspace / "outputs").glob("*") if not p.name.startswith(".")] == []


def test_async_openai_speech_stops_requesting_past_the_cap(settings: Settings) -> None:
    """Each request answers 30 s of audio: a 100 s cap is passed at the 4th of 15 chunks."""
    pcm = (np.sin(np.arange(30 * 24000) * 0.05) * 8000).astype("<i2").tobytes()

    def speech(_request: RecordedRequest) -> Response:
        return Response(200, pcm, content_type="audio/pcm")

    with OpenAIServer() as server:
        server.add_route("POST", "/v1/audio/speech", speech)
        remote = openai_settings(server, settings).with_(max_output_s=100.0)
        with pytest.raises(InputTooLargeError, match=CAP):
            asyncio.run(asynthesize_speech("9 " * 30000, backend="openai", settings=remote))
        sent = len(server.requests_to("/v1/audio/speech"))
    assert 4 <= sent <= 8  # past the cap at the 4th, with at most one window of requests in flight
    assert list((settings.workspace / "outputs").glob("*")) == []


def test_music_respects_the_output_cap_below_max_music_s(settings: Settings) -> None:
    with pytest.raises(InputTooLargeError, match=CAP):
        generate_music("calm piano", 60.0, backend="synth", settings=settings.with_(max_output_s=30.0))


def test_a_mix_longer_than_the_output_cap_is_refused(speech_wav: Path, tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path, max_output_s=10.0)
    with pytest.raises(InputTooLargeError, match=CAP):
        mix_speech_over_music(speech_wav, BED, tmp_path / "mix.wav", intro_s=5.0, outro_s=5.0, settings=settings)
    assert not (tmp_path / "mix.wav").exists()


def test_a_story_longer_than_the_output_cap_is_refused_before_the_music(settings: Settings) -> None:
    with pytest.raises(InputTooLargeError, match=CAP):
        synthesize_story("A short story.", "calm piano", tts="flite", music="synth", intro_s=10.0, outro_s=10.0,
                         settings=settings.with_(max_output_s=15.0))
    assert list((settings.workspace / "outputs").glob("*")) == []


MEMORY_SCRIPT = textwrap.dedent("""
    import json, resource, sys
    from pathlib import Path

    import numpy as np

    from audio_tools.config import Settings
    from audio_tools.tools import AudioToolkit
    from audio_tools.tts import TTS_BACKENDS
    from audio_tools.tts.base import BaseBackend

    RATE = 24000
    CHUNK = (np.sin(np.arange(60 * RATE, dtype=np.float32) * 0.05) * 0.3).astype(np.float32)

    class Minute(BaseBackend):
        # Stands in for a speech engine: one minute of audio per 1,000-character chunk, at once.
        name, model, voices, default_voice, max_chars, sample_rate = "minute", None, ("v",), "v", 1000, RATE

        def synthesize_chunk(self, text, voice):
            return CHUNK.copy()

    TTS_BACKENDS.register("minute", lambda spec, settings: Minute())
    settings = Settings(workspace=Path(sys.argv[1]), tts="minute")
    (tool,) = AudioToolkit(settings=settings, include=("text_to_speech",)).get_tools()
    tool.invoke({"name": tool.name, "args": {"text": "warm up"}, "id": "0", "type": "tool_call"})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    message = tool.invoke({"name": tool.name, "args": {"text": "9 " * 20000}, "id": "1", "type": "tool_call"})
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"status": message.status, "content": message.content,
                      "duration_s": (message.artifact or {}).get("duration_s"), "growth_mb": (after - before) / 1024}))
""")


def test_long_speech_to_a_file_keeps_memory_bounded(tmp_path: Path) -> None:
    """40 minutes of speech (40 chunks, 220 MB as float32) written with memory growth under 60 MB."""
    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["status"] == "success", report["content"]
    assert report["duration_s"] == pytest.approx(40 * 60 + 39 * 0.2, abs=0.1)
    assert report["growth_mb"] < 60, report
