"""``audio-agent mcp``, end to end with the real ``mcp`` client: the server runs as its own process.

The workspace holds the two bundled meetings, ingested for real (bundled Whisper, MiniLM, Chroma)
by this process; the server opens the same store. Speech is made offline (flite). Every answer is
compared with what the LangChain tool itself gives for the same call.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from helpers.ingested import IngestedMeetings, answer_turn, ingest_meetings
from helpers.tool_workspace import OFFLINE_BACKENDS, call_tool
from langchain_core.tools import BaseTool
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from pydantic import AnyUrl

import audio_tools
from audio_tools.agents.mcp_server import mcp_tools, parse_http_address
from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError

pytestmark = pytest.mark.slow

SOURCE_ROOT = Path(audio_tools.__file__).resolve().parents[1]  # so that the server imports this very code
SERVER = ["-m", "audio_tools.agents.mcp_server"]
ONE_SECOND = 1.0
STARTUP_S = 60.0


def server_env(**extra: str) -> dict[str, str]:
    """What the server process gets: this code, offline backends, no hub."""
    env = {f"AUDIO_TOOLS_{key.upper()}": value for key, value in OFFLINE_BACKENDS.items()}
    pythonpath = os.pathsep.join(p for p in (str(SOURCE_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**env, "PYTHONPATH": pythonpath, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **extra}


@pytest.fixture(scope="module")
def meetings(tmp_path_factory: pytest.TempPathFactory) -> IngestedMeetings:
    return ingest_meetings(tmp_path_factory.mktemp("workspace"))


@pytest.fixture(scope="module")
def langchain_tools(meetings: IngestedMeetings) -> dict[str, BaseTool]:
    """The same tools, in this process, for the answers to compare with."""
    settings = Settings(workspace=meetings.root, **OFFLINE_BACKENDS)
    return {tool.name: tool for tool in mcp_tools(settings, meetings.store)}


@contextlib.asynccontextmanager
async def connect(root: Path) -> AsyncIterator[ClientSession]:
    """A session with a server started as desktop clients start one: in '/', with --workspace."""
    params = StdioServerParameters(command=sys.executable, args=[*SERVER, "--workspace", str(root)],
                                   env=server_env(), cwd="/")
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


def text_of(result: types.CallToolResult) -> str:
    texts = [block.text for block in result.content if isinstance(block, types.TextContent)]
    assert len(texts) == 1, result
    return texts[0]


def links_of(result: types.CallToolResult) -> list[types.ResourceLink]:
    return [block for block in result.content if isinstance(block, types.ResourceLink)]


async def test_lists_every_tool_with_its_schema_and_description(
    meetings: IngestedMeetings, langchain_tools: dict[str, BaseTool]
) -> None:
    async with connect(meetings.root) as session:
        listed = (await session.list_tools()).tools
    assert [tool.name for tool in listed] == list(langchain_tools)
    assert {"text_to_speech", "speech_to_text", "search_recordings", "play_excerpt"} <= set(langchain_tools)
    for tool in listed:
        own = langchain_tools[tool.name]
        assert own.args_schema is not None and not isinstance(own.args_schema, dict)
        assert tool.inputSchema == own.args_schema.model_json_schema()  # type: ignore[union-attr]
        assert tool.description == own.description
    search = next(tool for tool in listed if tool.name == "search_recordings")
    assert search.inputSchema["required"] == ["query"]
    assert search.annotations is not None and search.annotations.readOnlyHint is True


async def test_search_recordings_cites_the_moment_as_langchain_does(
    meetings: IngestedMeetings, langchain_tools: dict[str, BaseTool]
) -> None:
    args = {"query": "When can the new website go live?", "k": 3}
    async with connect(meetings.root) as session:
        result = await session.call_tool("search_recordings", args)
    assert not result.isError, result
    assert text_of(result) == call_tool(langchain_tools["search_recordings"], args).content
    hits = (result.structuredContent or {})["hits"]
    assert len(hits) == 3 and hits[0]["source"] == "design_review.flac"
    turn = answer_turn("design_review", 6)
    assert turn["start"] - ONE_SECOND <= hits[0]["cite_start"] and hits[0]["cite_end"] <= turn["end"] + ONE_SECOND
    assert " @ " in text_of(result) and not links_of(result)  # nothing was written: no file to link


async def test_text_to_speech_returns_the_file_as_structured_content_and_link(meetings: IngestedMeetings) -> None:
    async with connect(meetings.root) as session:
        result = await session.call_tool("text_to_speech", {"text": "The buttons will be blue.", "format": "mp3"})
        assert not result.isError, result
        artifact = result.structuredContent or {}
        path = Path(artifact["path"])
        assert path.is_file() and path.parent == meetings.root / "outputs"
        assert artifact["relative_path"] == f"outputs/{path.name}" and artifact["backend"] == "flite"
        assert artifact["relative_path"] in text_of(result)
        (link,) = links_of(result)
        assert str(link.uri) == path.as_uri() and link.mimeType == "audio/mpeg"
        assert link.size == path.stat().st_size
        # A client that cannot open the file itself reads it through the server.
        read = await session.read_resource(link.uri)
        listed = [str(r.uri) for r in (await session.list_resources()).resources]
    (contents,) = read.contents
    assert isinstance(contents, types.BlobResourceContents) and contents.mimeType == "audio/mpeg"
    import base64

    assert base64.b64decode(contents.blob) == path.read_bytes()
    assert path.as_uri() in listed
    info = probe(path)
    assert info.duration > 0.5 and info.format == "mp3"


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("speech_to_text", {"audio_path": "../../etc/passwd"}),
        ("speech_to_text", {"audio_path": "/etc/passwd"}),
        ("play_excerpt", {"source": "/etc/passwd", "start": 0, "end": 1}),
        ("text_to_speech", {"text": ""}),  # bad arguments: the tool's own explanation, not the SDK's
        ("search_recordings", {"query": "go live", "k": 3, "unknown": 1}),
    ],
)
async def test_refusals_and_errors_are_the_langchain_texts(
    meetings: IngestedMeetings, langchain_tools: dict[str, BaseTool], tool: str, args: dict[str, Any]
) -> None:
    expected = call_tool(langchain_tools[tool], args)
    assert expected.status == "error"
    async with connect(meetings.root) as session:
        result = await session.call_tool(tool, args)
    assert result.isError
    assert text_of(result) == expected.content
    assert result.structuredContent is None and not links_of(result)


async def test_ingest_refuses_a_path_outside_as_langchain_does(
    meetings: IngestedMeetings, langchain_tools: dict[str, BaseTool]
) -> None:
    # ingest_recording reports each file's outcome; a refused one is a failed file, not a failed call.
    args = {"path": "../../etc/passwd"}
    expected = call_tool(langchain_tools["ingest_recording"], args)
    async with connect(meetings.root) as session:
        result = await session.call_tool("ingest_recording", args)
    assert text_of(result) == expected.content
    assert "contains '..'; give a path inside the workspace" in text_of(result)
    assert (result.structuredContent or {})["failed"] == 1


async def test_resources_outside_the_workspace_are_refused(meetings: IngestedMeetings, tmp_path: Path) -> None:
    from mcp.shared.exceptions import McpError

    outside = tmp_path / "secret.wav"
    outside.write_bytes(b"RIFF")
    async with connect(meetings.root) as session:
        for uri in (outside.as_uri(), "file:///etc/passwd", f"{meetings.root.as_uri()}/../secret.wav"):
            with pytest.raises(McpError, match="is outside the workspace"):
                await session.read_resource(AnyUrl(uri))
        unknown = await session.call_tool("rm_rf", {})
    assert unknown.isError and "text_to_speech" in text_of(unknown)


async def test_resource_errors_name_workspace_paths_only(tmp_path: Path) -> None:
    from mcp.shared.exceptions import McpError

    root = tmp_path / "workspace"
    root.mkdir()
    (tmp_path / "secret.wav").write_bytes(b"RIFF")
    (root / "link.wav").symlink_to(tmp_path / "secret.wav")
    (root / "empty.wav").touch()
    (root / "loop.wav").symlink_to(root / "loop.wav")
    outside = "That file is outside the workspace (links are followed); only files in the workspace can be read."
    expected = {
        (root / "link.wav").as_uri(): outside,
        (tmp_path / "secret.wav").as_uri(): outside,
        f"{root.as_uri()}/../secret.wav": outside,
        (root / "missing.wav").as_uri(): "No such file: missing.wav.",
        (root / "empty.wav").as_uri(): "empty.wav is empty (0 bytes).",
        (root / "loop.wav").as_uri(): "'loop.wav' goes through more than",
        f"file://elsewhere{root}/empty.wav": "Only files in the workspace can be read, named by a local file URI",
    }
    async with connect(root) as session:
        for uri, text in expected.items():
            with pytest.raises(McpError) as caught:
                await session.read_resource(AnyUrl(uri))
            assert str(caught.value).startswith(text), uri
            assert str(tmp_path) not in str(caught.value), uri


@pytest.mark.parametrize("workspace", ["/", "home"])
def test_a_root_workspace_is_refused(workspace: str) -> None:
    root = str(Path.home()) if workspace == "home" else workspace
    done = subprocess.run([sys.executable, *SERVER, "--workspace", root], env=server_env(), cwd="/",
                          capture_output=True, text=True, timeout=STARTUP_S, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done
    assert f"Refusing to serve {Path(root).resolve()} as the workspace" in done.stderr
    assert "--workspace DIR" in done.stderr and "--force-root" in done.stderr
    assert done.stdout == ""


def test_no_workspace_is_refused_with_the_advice() -> None:
    cli = ["-c", "from audio_tools.agents.cli import main; main()", "mcp"]
    done = subprocess.run([sys.executable, *cli], env=server_env(), cwd="/", capture_output=True, text=True,
                          timeout=STARTUP_S, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done
    assert "No workspace given" in done.stderr and "AUDIO_TOOLS_WORKSPACE" in done.stderr


@pytest.mark.parametrize("where", ["mcp", "global", "module"])
def test_an_empty_workspace_is_refused_not_taken_as_the_current_directory(where: str, tmp_path: Path) -> None:
    cli = ["-c", "from audio_tools.agents.cli import main; main()"]
    args = {"mcp": [*cli, "mcp", "--workspace", ""], "global": [*cli, "--workspace", "", "mcp"],
            "module": [*SERVER, "--workspace", ""]}[where]
    done = subprocess.run([sys.executable, *args], env=server_env(), cwd=tmp_path, capture_output=True, text=True,
                          timeout=STARTUP_S, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done
    assert "The workspace given is empty ('')" in done.stderr and "--workspace DIR" in done.stderr
    assert done.stdout == ""


def test_the_workspace_may_come_from_the_environment(meetings: IngestedMeetings) -> None:
    # Standard input at its end: the client is gone at once, and the server ends cleanly.
    done = subprocess.run([sys.executable, *SERVER], env=server_env(AUDIO_TOOLS_WORKSPACE=str(meetings.root)),
                          cwd="/", capture_output=True, text=True, timeout=STARTUP_S, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done
    assert done.stdout == ""


@pytest.mark.parametrize("address", ["0.0.0.0:8765", "192.168.1.2:8765", "example.com:80", "127.0.0.1:0",
                                     "127.0.0.1:http"])
def test_http_is_loopback_only(address: str) -> None:
    with pytest.raises(InvalidInputError, match=r"127\.0\.0\.1"):
        parse_http_address(address)


def test_http_addresses() -> None:
    assert parse_http_address("127.0.0.1:8765") == ("127.0.0.1", 8765)
    assert parse_http_address("localhost:8765") == ("127.0.0.1", 8765)
    assert parse_http_address("8765") == ("127.0.0.1", 8765)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    pytest.fail("the HTTP server did not start")


async def test_streamable_http_on_loopback(meetings: IngestedMeetings) -> None:
    port = free_port()
    process = subprocess.Popen([sys.executable, *SERVER, "--workspace", str(meetings.root), "--http",
                                f"127.0.0.1:{port}"], env=server_env(), cwd="/", stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, process)
        url = f"http://127.0.0.1:{port}/mcp"
        async with streamable_http_client(url) as (read, write, _), ClientSession(read, write) as session:
            await session.initialize()
            names = [tool.name for tool in (await session.list_tools()).tools]
            result = await session.call_tool("text_to_speech", {"text": "Over HTTP."})
        assert "search_recordings" in names
        assert not result.isError, result
        assert Path((result.structuredContent or {})["path"]).is_file()
        assert [str(link.uri) for link in links_of(result)] == [Path(result.structuredContent["path"]).as_uri()]
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/mcp" in err


def test_only_the_protocol_reaches_standard_output() -> None:
    # What a library prints while a tool runs (Python's print, or C code writing to descriptor 1)
    # would corrupt the client's reading of the protocol: it goes to standard error instead.
    script = ("import os\nfrom audio_tools.agents.mcp_server import _protocol_stdout\n"
              "with _protocol_stdout() as raw:\n"
              "    print('from print')\n    os.write(1, b'from fd 1\\n')\n    raw.write(b'protocol\\n')\n"
              "print('after')\n")
    done = subprocess.run([sys.executable, "-c", script], env=server_env(), capture_output=True, text=True,
                          timeout=STARTUP_S, check=True)
    assert done.stdout == "protocol\nafter\n"
    assert "from print" in done.stderr and "from fd 1" in done.stderr
