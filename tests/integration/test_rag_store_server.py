"""The store on a real Chroma server (``chroma run`` on 127.0.0.1): ingest, search, and again after a restart.

Transcripts and the lexical index stay in the local store folder; the vectors live in the
server's own folder. Every step runs in a new process (:mod:`helpers.store_driver`), so what
is found again was persisted, not remembered.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from helpers.meeting_store import meeting_files, seed_transcripts
from helpers.store_driver import driver_command, driver_env

from audio_tools.config import Settings

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).with_name("chroma")
QUERIES = ("When can the new website go live?", "password resets", "twenty users pricing page")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def chroma_server(data: Path, port: int) -> Iterator[str]:
    """A ``chroma run`` on 127.0.0.1:``port`` keeping its data in ``data``; its URL once it answers."""
    if not CHROMA.exists():
        pytest.fail(f"{CHROMA} is missing: install chromadb (make setup).")
    log = (data.parent / f"chroma-{port}.log").open("ab")
    server = subprocess.Popen([str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma run did not start: {(data.parent / f'chroma-{port}.log').read_text()[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def _drive(workspace: Path, state: Path, url: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(driver_command(workspace, *args, store_dir=state, store=url), env=driver_env(),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _hits(workspace: Path, state: Path, url: str) -> list[list[dict[str, Any]]]:
    return [_drive(workspace, state, url, "search", query, "-k", "3")["hits"] for query in QUERIES]


def test_ingest_and_search_through_a_chroma_server(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    files = meeting_files(workspace / "meetings")
    state = tmp_path / "state"
    seed_transcripts(Settings(workspace=workspace, store_dir=state), files)
    data = tmp_path / "server-data"
    port = _free_port()
    with chroma_server(data, port) as url:
        report = _drive(workspace, state, url, "ingest", "meetings")["reports"][0]
        assert report["added"] == 3 and report["failed"] == 0
        first = _hits(workspace, state, url)
        assert first[0] and first[0][0]["source"] == "meetings/design_review.flac"
        assert first[0][0]["cite_start"] >= first[0][0]["start"]
        assert _hits(workspace, state, url) == first  # a new process, the same answers
        again = _drive(workspace, state, url, "ingest", "meetings")["reports"][0]
        assert again["unchanged"] == 3 and again["chunks_added"] == 0
    assert not (state / "chroma").exists()  # the vectors went to the server
    assert any((state / "lexical").iterdir())

    with chroma_server(data, port) as url:  # restarted on its folder
        assert _hits(workspace, state, url) == first
