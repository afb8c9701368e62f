"""Hardening finding 8: the library works from a plain script, without ``if __name__ == "__main__":``.

Files of 90 s or more are decoded by worker processes. Started with multiprocessing's
``spawn``, each worker imported the caller's script again: a script without a main guard
failed with a ``RuntimeError`` in the worker, and its body ran a second time (a second tool
call). The scripts here note each run of their body in a file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audio_tools.audio import load_audio, save_audio
from audio_tools.stt.pocketsphinx import PARALLEL_MIN_S

MEETING = Path(__file__).parents[2] / "examples" / "meetings" / "design_review.flac"

SCRIPT = """
import sys
from pathlib import Path

from audio_tools.stt import transcribe

with Path(sys.argv[2]).open("a") as runs:
    runs.write("ran\\n")
transcript = transcribe(sys.argv[1], backend="pocketsphinx")
print(len(transcript.text.split()))
"""

IN_A_THREAD = """
import sys, threading
from pathlib import Path

from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.stt.base import STTRequest
from audio_tools.stt.pocketsphinx import PocketsphinxBackend

with Path(sys.argv[2]).open("a") as runs:
    runs.write("ran\\n")
words = []
backend = PocketsphinxBackend(workers=2, parallel_min_s=0.0)
request = STTRequest(source=sys.argv[1], settings=Settings.from_env())
thread = threading.Thread(target=lambda: words.append(backend.transcribe(probe(sys.argv[1]), request).text.split()))
thread.start()
thread.join()
backend.close()
print(len(words[0]))
"""


@pytest.fixture(scope="module")
def long_speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real speech, long enough to be decoded by the worker processes."""
    meeting = load_audio(MEETING)
    repeats = int(np.ceil((PARALLEL_MIN_S + 5) * 16000 / len(meeting)))
    return save_audio(np.tile(meeting, repeats), 16000, tmp_path_factory.mktemp("long") / "long_speech.flac")


def run_plain_script(body: str, audio: Path, folder: Path) -> int:
    """Run ``body`` as a script file; the words it heard. Its body must have run exactly once."""
    script, runs = folder / "plain_script.py", folder / "runs.txt"
    script.write_text(body)
    done = subprocess.run([sys.executable, str(script), str(audio), str(runs)],
                          capture_output=True, text=True, timeout=180, check=False, cwd=folder)
    assert runs.read_text().splitlines() == ["ran"], done.stderr[-2000:]
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no worker processes start")
def test_transcribe_from_a_script_without_a_main_guard(long_speech: Path, tmp_path: Path) -> None:
    assert run_plain_script(SCRIPT, long_speech, tmp_path) > 100


def test_worker_processes_from_a_thread_of_a_plain_script(tmp_path: Path) -> None:
    assert run_plain_script(IN_A_THREAD, MEETING, tmp_path) > 50
