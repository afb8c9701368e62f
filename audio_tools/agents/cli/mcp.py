"""``audio-agent mcp``: the audio and recording tools as an MCP server (stdio, or streamable HTTP on 127.0.0.1)."""

from __future__ import annotations

from typing import Annotated

import typer

from audio_tools.agents.cli.common import settings_of
from audio_tools.agents.cli.recordings import StoreOption

__all__ = ["EXIT_NOT_STARTED", "mcp_command"]

EXIT_NOT_STARTED = 2  # no workspace, one refused, or a bad --http: the server did not start


def mcp_command(
    ctx: typer.Context,
    workspace: Annotated[
        str | None,  # not a Path: Path("") is ".", and an empty name must be refused, not serve the current directory
        typer.Option("--workspace", metavar="PATH",
                     help="The folder the tools read and write (required here, since MCP clients start servers in "
                          "'/'; AUDIO_TOOLS_WORKSPACE or the global --workspace also name it)."),
    ] = None,
    store: StoreOption = None,
    http: Annotated[
        str | None,
        typer.Option("--http", metavar="HOST:PORT",
                     help="Serve streamable HTTP at http://127.0.0.1:PORT/mcp instead of stdio (loopback only)."),
    ] = None,
    force_root: Annotated[
        bool, typer.Option("--force-root", help="Allow '/' or a home directory itself as the workspace.")
    ] = False,
) -> None:
    """Serve the audio and recording tools to MCP clients (Claude Desktop, IDEs, other agents) over stdio.

    Each result carries the tool's text, its artifact as structured content, and a resource link
    to the audio file it wrote. Models load on first use and stay loaded while the server runs.
    """
    from audio_tools.agents.mcp_server import check_workspace, parse_http_address, serve
    from audio_tools.errors import InvalidInputError, PathNotAllowedError

    given = workspace if workspace is not None else ctx.find_root().params.get("workspace")
    try:
        root = check_workspace(given, force_root=force_root)
        if http is not None:
            parse_http_address(http)
    except (InvalidInputError, PathNotAllowedError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(EXIT_NOT_STARTED) from None
    serve(settings_of(ctx).with_(workspace=root), store=store, http=http, force_root=force_root)
