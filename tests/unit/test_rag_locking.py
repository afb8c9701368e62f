"""The store lock across real processes: readers share, a writer excludes, a dead holder frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import audio_tools
from audio_tools.rag.locking import StoreBusyError, StoreLock

REPOSITORY = Path(audio_tools.__file__).resolve().parents[1]
HOLDER = """
import sys, time
from pathlib import Path
from audio_tools.rag.locking import StoreLock
lock = StoreLock(Path(sys.argv[1]), 5.0)
hold = lock.writing("ingest big_meeting.flac") if sys.argv[2] == "write" else lock.reading()
with hold:
    print("held", flush=True)
    time.sleep(60)
"""


def _hold(folder: Path, mode: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder), mode], stdout=subprocess.PIPE, text=True,
                             env=env)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


@pytest.fixture
def holders() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for child in started:
        child.kill()
        child.wait(timeout=10)


def test_a_writer_elsewhere_makes_others_wait_then_fail_with_advice(tmp_path: Path,
                                                                   holders: list[subprocess.Popen[str]]) -> None:
    child = _hold(tmp_path, "write")
    holders.append(child)
    waits: list[str] = []
    lock = StoreLock(tmp_path, 0.6, on_wait=waits.append)
    started = time.monotonic()
    with pytest.raises(StoreBusyError) as busy, lock.reading():
        pass
    assert 0.5 < time.monotonic() - started < 3
    message = str(busy.value)
    assert f"process {child.pid}" in message and "ingest big_meeting.flac" in message
    assert "AUDIO_TOOLS_STORE_LOCK_TIMEOUT_S" in message and "chroma run" in message
    assert len(waits) == 1 and waits[0].startswith("Waiting up to 0.6 s")
    with pytest.raises(StoreBusyError), lock.writing("ingest other.flac"):
        pass


def test_readers_share_and_keep_a_writer_out(tmp_path: Path, holders: list[subprocess.Popen[str]]) -> None:
    holders.append(_hold(tmp_path, "read"))
    lock = StoreLock(tmp_path, 0.3)
    with lock.reading():
        pass
    with pytest.raises(StoreBusyError), lock.writing("ingest x.flac"):
        pass


def test_a_killed_writer_frees_the_store_at_once(tmp_path: Path, holders: list[subprocess.Popen[str]]) -> None:
    child = _hold(tmp_path, "write")
    holders.append(child)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    lock = StoreLock(tmp_path, 2.0)
    started = time.monotonic()
    with lock.writing("ingest y.flac"):
        assert time.monotonic() - started < 0.5


def test_writing_covers_reading_in_the_same_thread(tmp_path: Path) -> None:
    lock = StoreLock(tmp_path, 1.0)
    with lock.writing("rebuild"), lock.reading():
        pass
    with lock.reading(), pytest.raises(RuntimeError), lock.writing("ingest z.flac"):
        pass
