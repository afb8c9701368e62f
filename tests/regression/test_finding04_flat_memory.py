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
from helpers.memory_probe import GROWTH_CHILD, tone_then_silence
from helpers.openai_server import OpenAIServer

from audio_tools.audio import AudioBlock
from audio_tools.stt.split import quiet_cuts, quiet_parts

SILENCE_MIN = 20
# 20 min of 16 kHz audio is 38 MB as 16-bit samples and 77 MB as float32: holding the whole
# file once, in either form, goes over the bound; blocks of up to a minute stay far under it.
MAX_GROWTH_MB = 40



@pytest.fixture(scope="module")
def silence_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 s of a 440 Hz tone, then :data:`SILENCE_MIN` minutes of digital silence (a small FLAC)."""
    return tone_then_silence(tmp_path_factory.mktemp("silence") / "tone_then_silence.flac", SILENCE_MIN)


def growth(spec: str, path: Path, base_url: str = "") -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", GROWTH_CHILD, spec, str(path), base_url],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["duration_s"] == pytest.approx(1 + SILENCE_MIN * 60, abs=0.1)
    return result


def test_pocketsphinx_memory_does_not_grow_with_the_silence(silence_file: Path) -> None:
    assert growth("pocketsphinx", silence_file)["growth_mb"] < MAX_GROWTH_MB


def test_openai_parts_are_cut_from_a_stream(silence_file: Path) -> None:
    with OpenAIServer(api_key="sk-test") as server:
        # an untimed model: its parts are kept short, so even a small file is cut
        assert growth("openai:gpt-4o-transcribe", silence_file, server.base_url)["growth_mb"] < MAX_GROWTH_MB


def test_parts_cut_from_a_stream_are_the_parts_of_the_whole() -> None:
    sr, rng = 1000, np.random.default_rng(4)
    audio = (rng.standard_normal(sr * 200) * np.repeat(rng.uniform(0.01, 1.0, 400), sr // 2)).astype(np.float32)
    blocks = (AudioBlock(i / sr, audio[i:i + 7 * sr]) for i in range(0, audio.size, 7 * sr))
    parts = list(quiet_parts(blocks, sr, 20.0))
    bounds = [0, *quiet_cuts(audio, sr, 20.0), audio.size]
    assert [(p.start, p.samples.size) for p in parts] == [(a / sr, b - a) for a, b in itertools.pairwise(bounds)]
    assert np.array_equal(np.concatenate([p.samples for p in parts]), audio)
