"""The ``audio-agent`` application: global options and the command table.

Commands live in their own modules and import heavy libraries inside their bodies, so
``audio-agent --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from audio_tools.agents.cli import audio_files, clean, ingest, music, search, speak, transcribe
from audio_tools.agents.cli import mix as mix_cli
from audio_tools.agents.cli.chat import chat_command
from audio_tools.agents.cli.mcp import mcp_command
from audio_tools.agents.cli.store import store_app

app = typer.Typer(
    name="audio-agent",
    help="Audio tools for LangChain agents: probe, convert, transcribe, speak, compose and mix; ingest meetings, "
         "then search, ask and summarize them with citations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from audio_tools import __version__

        typer.echo(f"audio-agent {__version__}")
        raise typer.Exit


@app.callback()
def _main(
    ctx: typer.Context,
    workspace: Annotated[
        str | None,  # as given, for `mcp` to refuse an empty name (Path("") would be ".")
        typer.Option(
            "--workspace",
            envvar="AUDIO_TOOLS_WORKSPACE",
            metavar="PATH",
            help="Root directory for tool files and outputs (default: the current directory).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    from audio_tools.config import Settings

    ctx.obj = Settings.from_env(workspace=Path(workspace) if workspace is not None else None)


app.command("probe")(audio_files.probe_command)
app.command("convert")(audio_files.convert_command)
app.command("transcribe")(transcribe.transcribe_command)
app.command("speak")(speak.speak_command)
app.command("music")(music.music_command)
app.command("mix")(mix_cli.mix_command)
app.command("story")(mix_cli.story_command)
app.command("clean")(clean.clean_command)
app.command("ingest")(ingest.ingest_command)
app.command("search")(search.search_command)
app.command("ask")(search.ask_command)
app.command("summarize")(search.summarize_command)
app.command("clip")(search.clip_command)
app.add_typer(store_app, name="store")
app.command("chat")(chat_command)
app.command("mcp")(mcp_command)

def main() -> None:
    """Entry point of the ``audio-agent`` script: errors become one line and exit code 1."""
    from audio_tools.errors import AudioToolsError

    try:
        app()
    except AudioToolsError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(1)
