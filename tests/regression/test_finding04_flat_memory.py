"""Hardening finding 4: transcription memory must be bounded by the block size, whatever the audio holds.

One second of tone followed by two hours of silence took 609 MB in the pocketsphinx path: the
utterance waiting for company pinned every sample after it. The openai backend cut its parts
out of the whole file decoded at once. Each case here runs in a fresh interpreter and reports
how far its peak resident memory rose above what it held once the backend was loaded.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers.openai_server import OpenAIServer

from audio_tools.audio import AudioBlock
from audio_tools.ffmpeg import ffmpeg_binary
from audio_tools.stt.split import quiet_cuts, quiet_parts

SILENCE_MIN = 20
# 20 min of 16 kHz audio is 38 MB as 16-bit samples and 77 MB as float32: holding the whole
# file once, in either form, goes over the bound; blocks of up to a minute stay far under it.
MAX_GROWTH_MB = 40

CHILD = """
import json, os, sys
from audio_tools.config import Settings
from audio_tools.stt import STT_BACKENDS, transcribe

spec, path, base_url = sys.argv[1], sys.argv[2], sys.argv[3]
settings = Settings.from_env()
if base_url:
    settings = settings.with_(openai_base_url=base_url, openai_api_key="sk-test")
STT_BACKENDS.get(spec, settings)
with open("/proc/self/statm") as f:
    loaded = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
transcript = transcribe(path, backend=spec, settings=settings)
with open("/proc/self/status") as f:  # VmHWM: ru_maxrss would start from the parent's peak
    peak = 1024 * int(next(line for line in f if line.startswith("VmHWM:")).split()[1])
print(json.dumps({"growth_mb": (peak - loaded) / 2**20, "duration_s": transcript.duration_s,
                  "text": transcript.text}))
"""


@pytest.fixture(scope="module")
def tone_then_silence(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 s of a 440 Hz tone, then :data:`SILENCE_MIN` minutes of digital silence (a small FLAC)."""
    path = tmp_path_factory.mktemp("silence") / "tone_then_silence.flac"
    subprocess.run(
        [ffmpeg_binary(), "-nostdin", "-v", "error", "-f", "lavfi",
         "-i", "sine=frequency=440:sample_rate=16000:duration=1",
         "-af", f"apad=whole_dur={1 + SILENCE_MIN * 60}", "-ac", "1", "-c:a", "flac", str(path)],
        check=True, timeout=60,
    )
    return path


def growth(spec: str, path: Path, base_url: str = "") -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, spec, str(path), base_url],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["duration_s"] == pytest.approx(1 + SILENCE_MIN * 60, abs=0.1)
    return result


def test_pocketsphinx_memory_does_not_grow_with_the_silence(tone_then_silence: Path) -> None:
    assert growth("pocketsphinx", tone_then_silence)["growth_mb"] < MAX_GROWTH_MB


def test_openai_parts_are_cut_from_a_stream(tone_then_silence: Path) -> None:
    with OpenAIServer(api_key="sk-test") as server:
        # an untimed model: its parts are kept short, so even a small file is cut
        assert growth("openai:gpt-4o-transcribe", tone_then_silence, server.base_url)["growth_mb"] < MAX_GROWTH_MB


def test_parts_cut_from_a_stream_are_the_parts_of_the_whole() -> None:
    sr, rng = 1000, np.random.default_rng(4)
    audio = (rng.standard_normal(sr * 200) * np.repeat(rng.uniform(0.01, 1.0, 400), sr // 2)).astype(np.float32)
    blocks = (AudioBlock(i / sr, audio[i:i + 7 * sr]) for i in range(0, audio.size, 7 * sr))
    parts = list(quiet_parts(blocks, sr, 20.0))
    bounds = [0, *quiet_cuts(audio, sr, 20.0), audio.size]
    assert [(p.start, p.samples.size) for p in parts] == [(a / sr, b - a) for a, b in itertools.pairwise(bounds)]
    assert np.array_equal(np.concatenate([p.samples for p in parts]), audio)
