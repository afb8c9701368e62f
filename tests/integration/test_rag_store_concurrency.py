"""Several processes on one embedded store: no hang, no corruption, an orderly wait or a clear message.

Chroma's embedded client is not process-safe (see :mod:`audio_tools.rag.locking` for what was
measured); the store's lock must make two ingests and a searching process take turns.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from helpers.meeting_store import meeting_files, read_snapshot
from helpers.store_driver import driver_command, driver_env

from audio_tools.config import Settings

pytestmark = pytest.mark.slow

QUERIES = ("Spanish translation", "password resets tickets")


def _start(workspace: Path, state: Path, *args: str, lock_timeout: float = 120.0) -> subprocess.Popen[str]:
    return subprocess.Popen(driver_command(workspace, *args, store_dir=state, lock_timeout=lock_timeout),
                            env=driver_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(child: subprocess.Popen[str], timeout: float = 240) -> tuple[int, str, str]:
    stdout, stderr = child.communicate(timeout=timeout)  # a hang fails here, not after 16 minutes
    return child.returncode, stdout, stderr


def test_two_ingests_and_a_searcher_take_turns(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    meeting_files(workspace / "meetings")
    clean_state = tmp_path / "clean"
    done = subprocess.run(driver_command(workspace, "ingest", "meetings", store_dir=clean_state), env=driver_env(),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    reference = read_snapshot(Settings(workspace=workspace, store_dir=clean_state), clean_state, QUERIES)

    state = tmp_path / "shared"
    started = time.monotonic()
    first = _start(workspace, state, "ingest", "meetings")
    second = _start(workspace, state, "ingest", "meetings/support_weekly.flac", "meetings/design_review.flac")
    time.sleep(3)
    searcher_runs = [_start(workspace, state, "search", "When can the new website go live?", "-k", "3")
                     for _ in range(3)]
    results = [_finish(p) for p in (first, second, *searcher_runs)]
    elapsed = time.monotonic() - started
    for code, _, stderr in results:
        assert code == 0, stderr[-3000:]

    reports = [json.loads(stdout.strip().splitlines()[-1])["reports"][0] for _, stdout, _ in results[:2]]
    added: dict[str, int] = {}
    for report in reports:
        assert report["failed"] == 0
        for item in report["files"]:
            added[item["source"]] = added.get(item["source"], 0) + item["added"]
    chunks_per_source: dict[str, int] = {}
    for chunk in reference["chunks"].values():
        source = chunk["metadata"]["source"]
        chunks_per_source[source] = chunks_per_source.get(source, 0) + 1
    assert added == chunks_per_source  # each chunk written once, by one of the two
    assert read_snapshot(Settings(workspace=workspace, store_dir=state), state, QUERIES) == reference
    for _, stdout, _ in results[2:]:
        assert isinstance(json.loads(stdout.strip().splitlines()[-1])["hits"], list)
    print(f"two ingests and three searches took {elapsed:.1f} s together")


def test_a_writer_waits_in_order_then_proceeds(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    meeting_files(workspace / "meetings")
    state = tmp_path / "state"
    holder = _start(workspace, state, "hold", "4")
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    ingest = _start(workspace, state, "ingest", "meetings/review_opening.flac", lock_timeout=60)
    code, stdout, stderr = _finish(ingest)
    _finish(holder)
    assert code == 0, stderr[-2000:]
    assert f"Waiting up to 60 s for process {holder.pid} (hold (a test)" in stderr
    assert json.loads(stdout.strip().splitlines()[-1])["reports"][0]["added"] == 1


def test_a_second_writer_gets_a_clear_message_within_seconds(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    meeting_files(workspace / "meetings")
    state = tmp_path / "state"
    holder = _start(workspace, state, "hold", "120")
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        ingest = _start(workspace, state, "ingest", "meetings", lock_timeout=2)
        code, _, stderr = _finish(ingest, timeout=60)
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert code == 3
    message = stderr.strip().splitlines()[-1]
    assert message.startswith("StoreBusyError: The meeting store")
    assert f"process {holder.pid} (hold (a test)" in message
    assert "AUDIO_TOOLS_STORE_LOCK_TIMEOUT_S" in message and "chroma run" in message
    assert elapsed < 20, elapsed  # process start-up (~2 s) + the 2 s timeout, not Chroma's 1000 s busy wait
    print(f"the second writer gave up after {elapsed:.1f} s: {message}")
