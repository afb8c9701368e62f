"""Ingest killed with SIGKILL at random moments, then run again, ends exactly as one clean run.

Three real recordings; the driver process (:mod:`helpers.store_driver`) transcribes them with
the bundled Whisper (tiny.en) in half of the rounds and reuses stored transcripts in the others,
so kills land in transcription, embedding, writing, and the lexical refresh. After each re-run
the store must equal a clean run's: the same chunk ids, texts, metadata and vectors, the same
count, the same passages (ids, texts, metadata, vectors), and a saved BM25 index that matches
the collection and answers as the clean one does; ingesting once more must add nothing.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from helpers.meeting_store import meeting_files, read_snapshot
from helpers.store_driver import driver_command, driver_env

from audio_tools.config import Settings

pytestmark = pytest.mark.slow

ROUNDS = 5
QUERIES = ("Spanish translation", "password resets tickets", "twenty users pricing page", "dark blue buttons")
SEED = int(os.environ.get("RAG_KILL_SEED", "20260529"))


def _ingest(workspace: Path, state: Path, location: Path, *extra: str) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    done = subprocess.run(driver_command(workspace, "ingest", "meetings", *extra, store_dir=state,
                                         store=str(location)),
                          env=driver_env(), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), time.monotonic() - started


def _killed(workspace: Path, state: Path, location: Path, delay: float) -> str | None:
    """Start an ingest, SIGKILL it after ``delay`` s; the stage it was in, or None if it had finished."""
    child = subprocess.Popen(driver_command(workspace, "ingest", "meetings", store_dir=state, store=str(location)),
                             env=driver_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    finished = child.poll() is not None
    child.send_signal(signal.SIGKILL)
    _, stderr = child.communicate(timeout=60)
    if finished:
        return None
    stages = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    if not stages:
        return "starting"
    last = stages[-1]
    return f"{last['path']}: after {last['stage']}"


def test_killed_ingests_end_as_a_clean_run(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    meeting_files(workspace / "meetings")
    shared = tmp_path / "state"  # transcripts kept by the clean run
    clean, clean_s = _ingest(workspace, shared, tmp_path / "clean")
    assert all(f["transcribed"] for f in clean["reports"][0]["files"])
    settings = Settings(workspace=workspace, store_dir=shared)
    reference = read_snapshot(settings, tmp_path / "clean", QUERIES)
    assert reference["count"] == clean["reports"][0]["chunks_added"] > 3
    assert reference["lexical"] is not None
    assert len(reference["passages"]) > reference["count"]  # each chunk's sentences, kept beside it
    seeded, seeded_s = _ingest(workspace, shared, tmp_path / "seeded")
    assert not any(f["transcribed"] for f in seeded["reports"][0]["files"])
    assert read_snapshot(settings, tmp_path / "seeded", QUERIES) == reference

    rng = random.Random(SEED)  # noqa: S311 - kill times, not secrets
    kills: list[str] = []
    for round_ in range(ROUNDS):
        transcribe = round_ % 2 == 1
        state = tmp_path / f"state-{round_}" if transcribe else shared  # a fresh state has no transcripts
        location = tmp_path / f"store-{round_}"
        length = clean_s if transcribe else seeded_s
        for _ in range(2 if round_ == ROUNDS - 1 else 1):  # the last round is killed twice before its re-run
            delay = rng.uniform(0.2, 0.9) * length
            while (stage := _killed(workspace, state, location, delay)) is None:  # it finished first: again
                shutil.rmtree(location)
                if transcribe:
                    shutil.rmtree(state)
                delay /= 2
            kills.append(f"{stage} ({delay:.1f} s)")
        rerun, _ = _ingest(workspace, state, location, "--twice")
        first, again = rerun["reports"]
        assert first["failed"] == 0, first
        assert again["chunks_added"] == again["chunks_removed"] == 0 and again["unchanged"] == 3, again
        snapshot = read_snapshot(Settings(workspace=workspace, store_dir=state), location, QUERIES)
        assert snapshot == reference, f"round {round_} after kills at {kills}"

    print(f"seed {SEED}; clean run {clean_s:.1f} s, with stored transcripts {seeded_s:.1f} s; killed in: {kills}")
    assert len(kills) == ROUNDS + 1
    final, _ = _ingest(workspace, shared, tmp_path / f"store-{ROUNDS - 1}")
    assert final["reports"][0]["chunks_added"] == 0
