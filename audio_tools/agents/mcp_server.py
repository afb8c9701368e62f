"""The audio and recording tools over MCP: one small adapter from LangChain tools to the ``mcp`` SDK.

Every tool of :class:`~audio_tools.tools.toolkit.AudioToolkit` and
:class:`~audio_tools.rag.tools.RecordingToolkit` is listed with its description and the JSON
schema of its Pydantic ``args_schema``. A call runs the LangChain tool itself, invoked with a
tool call so that its ``(content, artifact)`` pair comes back whole (``tool.ainvoke(args)``
returns the content alone, which is how ``langchain-mcp-adapters``' ``to_fastmcp`` loses
artifacts). The result carries:

- the content text, exactly what a LangChain agent's model reads;
- the artifact as ``structuredContent`` (the path, duration, backend, hits...);
- a ``resource_link`` to the file, when the artifact names a file inside the workspace; the
  server also answers ``resources/read`` for files in the workspace, so that a client that
  cannot open ``file://`` paths (one over HTTP) can still fetch the audio; its errors name
  files by their paths in the workspace, and nothing outside it.

A failing tool answers ``isError`` with the same text the LangChain tool gives its agent: the
same validation messages, the same confinement to the workspace, the same refusals.

Desktop MCP clients start stdio servers in ``/``; the server therefore needs its workspace
named explicitly and refuses ``/`` and home directory roots unless forced
(:func:`check_workspace`). Tools are built once and models load on first use, then stay loaded
for the life of the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote, urlsplit

from audio_tools.config import Settings
from audio_tools.errors import AudioToolsError, InvalidInputError, PathNotAllowedError
from audio_tools.tools.echo import model_text

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool
    from mcp import types
    from mcp.server.lowlevel import Server

    from audio_tools.rag.store import RecordingStore

__all__ = [
    "HTTP_HOSTS",
    "SERVER_NAME",
    "build_server",
    "check_workspace",
    "mcp_tools",
    "parse_http_address",
    "serve",
]

SERVER_NAME = "audio-tools"
HTTP_PATH = "/mcp"
HTTP_HOSTS = ("127.0.0.1", "localhost")  # what --http may name; the server always binds 127.0.0.1
MAX_RESOURCE_BYTES = 64 * 1024 * 1024  # a file sent through resources/read (base64 in one JSON message)
MAX_LISTED_RESOURCES = 100
READ_ONLY_TOOLS = frozenset({"search_recordings", "ask_recordings", "summarize_recording"})
AUDIO_MIME_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "m4a": "audio/mp4",
    "opus": "audio/ogg",
    "webm": "audio/webm",
}
INSTRUCTIONS = (
    "Audio tools confined to one workspace folder: speech to text, text to speech, music, mixing and stories, "
    "and search over recorded meetings. Paths are relative to the workspace. Audio comes back as files: the "
    "result's structured content has the file's path, and a resource link points at it. Search the recordings "
    "before answering about meetings, and cite moments as 'source @ mm:ss'."
)
_ROOT_ADVICE = (
    "MCP clients start servers in '/', so the server needs a folder of its own for the files it reads and "
    "writes. Pass --workspace DIR (or set AUDIO_TOOLS_WORKSPACE) naming such a folder"
)


def check_workspace(root: str | os.PathLike[str] | None, *, force_root: bool = False) -> Path:
    """The workspace an MCP server may serve: named explicitly, an existing folder, not a root.

    Args:
        root: the folder given by ``--workspace`` or ``AUDIO_TOOLS_WORKSPACE``, as given (``Path("")`` is
            ``.``, so an empty name must reach here as a string); None when neither was.
        force_root: allow ``/``, ``/home``, ``/root`` or the user's home directory itself.

    Returns:
        The resolved folder.

    Raises:
        InvalidInputError: no folder was named, an empty name, or it is not a directory.
        PathNotAllowedError: it is a filesystem root or a home directory root, and ``force_root`` is off.
    """
    if root is None:
        msg = f"No workspace given. {_ROOT_ADVICE}."
        raise InvalidInputError(msg)
    if not str(root).strip():
        msg = f"The workspace given is empty ({str(root)!r}), which would serve the current directory. {_ROOT_ADVICE}."
        raise InvalidInputError(msg)
    path = Path(root).expanduser().resolve()
    if not path.is_dir():
        msg = f"Workspace {path} is not a directory. Create it, or pass another --workspace."
        raise InvalidInputError(msg)
    if not force_root and path in _refused_roots(path):
        msg = (f"Refusing to serve {path} as the workspace: every file under it would be open to the tools. "
               f"{_ROOT_ADVICE} (not a root or a home directory), or pass --force-root to serve {path} anyway.")
        raise PathNotAllowedError(msg)
    return path


def _refused_roots(path: Path) -> set[Path]:
    roots = {Path(path.anchor), Path("/"), Path("/root"), Path("/home"), Path("/Users")}
    with contextlib.suppress(RuntimeError, KeyError, OSError):  # no home directory known
        roots.add(Path.home().resolve())
    return {r.resolve() for r in roots}


def parse_http_address(address: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``PORT``) for the streamable HTTP transport; only the loopback host is allowed.

    Returns:
        ``("127.0.0.1", port)``: the server binds the IPv4 loopback address whatever the name.

    Raises:
        InvalidInputError: not ``[HOST:]PORT``, a port out of range, or a host other than 127.0.0.1 or localhost.
    """
    host, _, port_text = address.strip().rpartition(":")
    host = host or "127.0.0.1"
    if host not in HTTP_HOSTS:
        msg = (f"--http serves on 127.0.0.1 only (the tools read and write the workspace and the server has no "
               f"authentication); got host {host!r}. Use --http 127.0.0.1:PORT.")
        raise InvalidInputError(msg)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        msg = f"--http needs HOST:PORT with a port from 1 to 65535, e.g. 127.0.0.1:8765; got {address!r}."
        raise InvalidInputError(msg)
    return "127.0.0.1", int(port_text)


def mcp_tools(settings: Settings, store: Any = None) -> list[BaseTool]:
    """The tools a LangChain agent gets: the audio toolkit's and the recording toolkit's, in that order.

    Args:
        settings: the workspace, backends and caps (``settings.workspace`` is the root).
        store: the :class:`~audio_tools.rag.store.RecordingStore` to search; from the settings when None.

    Raises:
        InvalidInputError: the workspace is not a directory.
    """
    from audio_tools.rag.tools import RecordingToolkit
    from audio_tools.tools.toolkit import AudioToolkit

    root = str(settings.workspace)
    audio = AudioToolkit(root=root, settings=settings).get_tools()
    return audio + RecordingToolkit(root=root, settings=settings, store=store).get_tools()


def tool_definition(tool: BaseTool) -> types.Tool:
    """The MCP description of a LangChain tool: its name, description and argument schema."""
    from mcp import types

    schema = _input_schema(tool)
    title = tool.name.replace("_", " ").capitalize()
    annotations = types.ToolAnnotations(title=title, readOnlyHint=True if tool.name in READ_ONLY_TOOLS else None)
    return types.Tool(name=tool.name, title=title, description=tool.description, inputSchema=schema,
                      annotations=annotations)


def _input_schema(tool: BaseTool) -> dict[str, Any]:
    """The JSON schema of ``tool``'s arguments: its Pydantic ``args_schema``'s, as LangChain builds it."""
    from pydantic import BaseModel

    declared = tool.args_schema
    if isinstance(declared, type) and issubclass(declared, BaseModel):
        schema = declared.model_json_schema()
    elif isinstance(declared, dict):
        schema = dict(declared)
    else:
        schema = {"properties": tool.args}
    schema.setdefault("type", "object")
    return schema


async def call_tool(tool: BaseTool, arguments: dict[str, Any], root: Path) -> types.CallToolResult:
    """Run ``tool`` as a LangChain agent would and turn its message into an MCP result.

    Args:
        tool: the LangChain tool.
        arguments: the call's arguments, validated by the tool's own schema.
        root: the workspace; only files inside it get a resource link.
    """
    from langchain_core.messages import ToolMessage
    from mcp import types

    call = {"name": tool.name, "args": arguments, "id": f"mcp-{uuid.uuid4().hex}", "type": "tool_call"}
    try:
        message = await tool.ainvoke(call)
    except Exception as e:  # the tools turn failures into error messages; this is a last resort
        text = model_text(f"{tool.name} failed unexpectedly ({type(e).__name__}: {e}). Try again with simpler "
                          f"input, or another tool.", root)
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)], isError=True)
    if not isinstance(message, ToolMessage):  # pragma: no cover - a tool call always answers a ToolMessage
        message = ToolMessage(content=str(message), tool_call_id=call["id"])
    text = message.content if isinstance(message.content, str) else json.dumps(message.content, default=str)
    content: list[types.ContentBlock] = [types.TextContent(type="text", text=text)]
    if message.status == "error":
        return types.CallToolResult(content=content, isError=True)
    if message.artifact is None:
        return types.CallToolResult(content=content)
    artifact = _plain(message.artifact)
    structured = artifact if isinstance(artifact, dict) else {"artifact": artifact}
    link = _file_link(structured, root)
    if link is not None:
        content.append(link)
    return types.CallToolResult(content=content, structuredContent=structured)


def _plain(value: Any) -> Any:
    """``value`` as JSON data (paths and other objects as strings)."""
    return json.loads(json.dumps(value, default=str))


def _file_link(artifact: dict[str, Any], root: Path) -> types.ResourceLink | None:
    """A link to the artifact's ``path``, when it names an existing file inside ``root``."""
    from mcp import types
    from pydantic import AnyUrl

    where = artifact.get("path")
    if not isinstance(where, str) or not where:
        return None
    path = Path(where)
    if not path.is_absolute() or not path.resolve().is_relative_to(root) or not path.is_file():
        return None
    relative = path.resolve().relative_to(root).as_posix()
    size = artifact.get("size_bytes")
    return types.ResourceLink(
        type="resource_link",
        uri=AnyUrl(path.resolve().as_uri()),
        name=relative,
        title=path.name,
        description=f"Audio file in the workspace: {relative}",
        mimeType=_mime_type(path),
        size=size if isinstance(size, int) else path.stat().st_size,
    )


def _mime_type(path: Path) -> str:
    import mimetypes

    suffix = path.suffix.lstrip(".").lower()
    return AUDIO_MIME_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _path_of_uri(uri: str, root: Path) -> str:
    """The workspace-relative path a ``file://`` URI names.

    Raises:
        PathNotAllowedError: not a local ``file://`` URI, or outside the workspace.
    """
    parts = urlsplit(uri)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        msg = "Only files in the workspace can be read, named by a local file URI (no host name)."
        raise PathNotAllowedError(msg)
    path = Path(os.path.realpath(unquote(parts.path)))  # Path.resolve raises, naming the path, on a link loop
    if not path.is_relative_to(root):
        msg = "That file is outside the workspace (links are followed); only files in the workspace can be read."
        raise PathNotAllowedError(msg)
    return path.relative_to(root).as_posix()


def build_server(tools: list[BaseTool], root: Path, settings: Settings | None = None) -> Server:
    """An MCP server (the SDK's low-level :class:`~mcp.server.lowlevel.Server`) exposing ``tools``.

    Args:
        tools: LangChain tools; called by name.
        root: the workspace: resource links and ``resources/read`` stay inside it.
        settings: caps for reading files through ``resources/read``; from the environment when None.
    """
    from mcp import types
    from mcp.server.lowlevel import Server
    from mcp.server.lowlevel.helper_types import ReadResourceContents
    from mcp.shared.exceptions import McpError
    from pydantic import AnyUrl

    from audio_tools import __version__
    from audio_tools.workspace import OUTPUT_DIR_NAME, Workspace

    by_name = {tool.name: tool for tool in tools}
    definitions = [tool_definition(tool) for tool in tools]
    workspace = Workspace(root, settings.with_(workspace=root) if settings is not None else None)
    server: Server = Server(SERVER_NAME, version=__version__, instructions=INSTRUCTIONS)

    @server.list_tools()
    async def _list_tools() -> list[types.Tool]:
        return definitions

    # The LangChain tool validates the arguments itself, so that bad ones get its own explanation.
    @server.call_tool(validate_input=False)
    async def _call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        tool = by_name.get(name)
        if tool is None:
            text = f"There is no tool named {model_text(name, root, 80)!r}; the tools are: {', '.join(by_name)}."
            return types.CallToolResult(content=[types.TextContent(type="text", text=text)], isError=True)
        return await call_tool(tool, arguments, root)

    @server.list_resources()
    async def _list_resources() -> list[types.Resource]:
        return await asyncio.to_thread(_generated_files, root / OUTPUT_DIR_NAME, root)

    @server.read_resource()
    async def _read_resource(uri: AnyUrl) -> list[ReadResourceContents]:
        try:
            relative = _path_of_uri(str(uri), root)
            data = await asyncio.to_thread(_read_file, workspace, relative)
        except AudioToolsError as e:
            # The SDK sends the error's text to the client, which learns no path outside the workspace.
            raise McpError(types.ErrorData(code=types.INVALID_PARAMS, message=model_text(str(e), root))) from None
        return [ReadResourceContents(content=data, mime_type=_mime_type(Path(relative)))]

    return server


def _generated_files(outputs: Path, root: Path) -> list[types.Resource]:
    """The newest files the tools wrote (under ``outputs/``), as resources."""
    from mcp import types
    from pydantic import AnyUrl

    from audio_tools.workspace import GENERATED_NAME

    if not outputs.is_dir() or outputs.is_symlink():
        return []
    found = []
    for entry in os.scandir(outputs):
        if GENERATED_NAME.match(entry.name) and entry.is_file(follow_symlinks=False):
            found.append((entry.stat(follow_symlinks=False), Path(entry.path)))
    found.sort(key=lambda item: item[0].st_mtime, reverse=True)
    return [
        types.Resource(uri=AnyUrl(path.as_uri()), name=path.relative_to(root).as_posix(), title=path.name,
                       mimeType=_mime_type(path), size=stat.st_size)
        for stat, path in found[:MAX_LISTED_RESOURCES]
    ]


def _read_file(workspace: Any, relative: str) -> bytes:
    """A workspace file's bytes, opened as the tools open their inputs.

    Raises:
        what :meth:`~audio_tools.workspace.Workspace.open_input` raises.
        InvalidInputError: the file is over :data:`MAX_RESOURCE_BYTES`.
    """
    with workspace.open_input(relative) as opened:
        if opened.size > MAX_RESOURCE_BYTES:
            msg = (f"{relative} is over {MAX_RESOURCE_BYTES // (1024 * 1024)} MiB, too large to send through MCP; "
                   f"open it from the workspace folder instead.")
            raise InvalidInputError(msg)
        chunks, offset = [], 0
        while offset < opened.size:
            chunk = os.pread(opened.fd, opened.size - offset, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
    return b"".join(chunks)


def serve(
    settings: Settings,
    *,
    store: str | RecordingStore | None = None,
    http: str | None = None,
    force_root: bool = False,
    explicit_workspace: bool = True,
) -> None:
    """Run the MCP server until the client disconnects (stdio) or the process is stopped (HTTP).

    Args:
        settings: the workspace, backends and caps.
        store: the recording store, or its location (a folder or a Chroma server's URL); from the
            settings when None.
        http: ``HOST:PORT`` to serve streamable HTTP on 127.0.0.1 instead of stdio.
        force_root: allow a filesystem root or home directory root as the workspace.
        explicit_workspace: whether ``settings.workspace`` was named by the user; a server started
            in whatever directory the client chose refuses to run otherwise.

    Raises:
        InvalidInputError: no workspace, not a directory, or a bad ``http`` address.
        PathNotAllowedError: a root or home directory as the workspace without ``force_root``.
    """
    import anyio

    root = check_workspace(settings.workspace if explicit_workspace else None, force_root=force_root)
    address = parse_http_address(http) if http is not None else None
    settings = settings.with_(workspace=root)
    if store is None or isinstance(store, str):
        from audio_tools.rag.store import RecordingStore

        store = RecordingStore(settings, location=store, on_wait=_tell)  # opens nothing until the first call
    server = build_server(mcp_tools(settings, store), root, settings)
    if address is None:
        anyio.run(_serve_stdio, server)
    else:
        anyio.run(_serve_http, server, *address)


def _tell(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def _serve_stdio(server: Server) -> None:
    import anyio
    from mcp.server.stdio import stdio_server

    with _protocol_stdout() as raw:
        stdout = anyio.wrap_file(io.TextIOWrapper(raw, encoding="utf-8", write_through=True))
        async with stdio_server(stdout=stdout) as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())


@contextlib.contextmanager
def _protocol_stdout() -> Iterator[BinaryIO]:
    """Standard output kept for the protocol alone; whatever else is printed (by Python or a library) goes to stderr.

    A stray line on the protocol's stream would break the client's parsing of it.
    """
    sys.stdout.flush()
    protocol = os.dup(1)
    os.dup2(2, 1)
    saved, sys.stdout = sys.stdout, sys.stderr
    try:
        with os.fdopen(os.dup(protocol), "wb", buffering=0) as raw:
            yield raw
    finally:
        sys.stdout = saved
        os.dup2(protocol, 1)
        os.close(protocol)


async def _serve_http(server: Server, host: str, port: int) -> None:
    import uvicorn
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.applications import Starlette
    from starlette.routing import Route

    # Browsers on other sites cannot reach the server by rebinding a name to 127.0.0.1.
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1:*", "localhost:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*"],
    )
    manager = StreamableHTTPSessionManager(app=server, security_settings=security)

    class Endpoint:  # an ASGI app, not a request handler, for Starlette's Route
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await manager.handle_request(scope, receive, send)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> Any:
        async with manager.run():
            yield

    app = Starlette(routes=[Route(HTTP_PATH, endpoint=Endpoint())], lifespan=lifespan)
    print(f"MCP server on http://{host}:{port}{HTTP_PATH} (streamable HTTP); stop it with Ctrl-C.",
          file=sys.stderr, flush=True)
    await uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).serve()


if __name__ == "__main__":
    from audio_tools.agents.cli.main import main

    sys.argv = ["audio-agent", "mcp", *sys.argv[1:]]
    main()
