"""Concurrent async calls of ``text_to_speech``: eight at once give eight distinct, valid files.

Offline with flite (worker threads), and with the OpenAI backend against the loopback server
(the native async client: no thread per call).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.openai_server import OpenAIServer, openai_settings
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from audio_tools import output_log
from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.tools import AudioToolkit

CALLS = 8
TEXTS = [f"This is message number {n}, spoken at the same time as the others." for n in range(1, CALLS + 1)]


async def speak_all(tool: BaseTool, fmt: str = "wav") -> list[ToolMessage]:
    calls = [tool.ainvoke({"name": tool.name, "args": {"text": text, "format": fmt}, "id": f"c{i}",
                           "type": "tool_call"})
             for i, text in enumerate(TEXTS)]
    return list(await asyncio.gather(*calls))


def check_distinct_files(messages: list[ToolMessage], outputs: Path) -> None:
    assert all(m.status == "success" for m in messages), [m.content for m in messages]
    paths = [Path(m.artifact["path"]) for m in messages]
    assert len(set(paths)) == CALLS
    made = sorted(p.name for p in paths)
    assert sorted(p.name for p in outputs.iterdir() if p.name != output_log.LOG_NAME) == made  # no partial files left
    assert sorted(output_log.read(outputs)) == made  # every concurrent write recorded, once
    assert len({hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}) == CALLS
    for path, message in zip(paths, messages, strict=True):
        info = probe(path)
        assert info.duration > 1.5 and info.duration == pytest.approx(message.artifact["duration_s"], abs=0.01)


async def test_eight_concurrent_calls_with_flite(tmp_path: Path) -> None:
    (tool,) = AudioToolkit(root=tmp_path, tts="flite", include=("text_to_speech",)).get_tools()
    check_distinct_files(await speak_all(tool), tmp_path / "outputs")


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    with OpenAIServer(api_key="test-key") as server:
        yield server


async def test_eight_concurrent_calls_with_openai(tmp_path: Path, openai_server: OpenAIServer) -> None:
    settings = openai_settings(openai_server, Settings(workspace=tmp_path))
    (tool,) = AudioToolkit(settings=settings, tts="openai:tts-1", include=("text_to_speech",)).get_tools()
    messages = await speak_all(tool, fmt="mp3")
    check_distinct_files(messages, tmp_path / "outputs")
    requests = openai_server.requests_to("/v1/audio/speech")
    assert sorted(r.fields["input"] for r in requests) == sorted(TEXTS)
    assert all(r.headers["user-agent"].startswith("AsyncOpenAI") for r in requests)  # the native async client
    assert {m.artifact["backend"] for m in messages} == {"openai:tts-1"}
