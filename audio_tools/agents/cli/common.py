"""What every ``audio-agent`` command shares: settings from the context, common options, output, errors."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from audio_tools.config import Settings

__all__ = ["STDIN_MARK", "ForceOption", "JsonOption", "OutputOption", "emit", "read_text",
           "settings_of"]

STDIN_MARK = "-"

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (an object, or a list of hits) instead of text.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")]
OutputOption = Annotated[
    str, typer.Option("--output", "-o", help="The file to write; its suffix picks the format (wav, mp3...).")
]


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the main callback put on the context (``--workspace`` applied)."""
    root = ctx.find_root()
    if isinstance(root.obj, Settings):
        return root.obj
    return Settings.from_env()


def read_text(text: str) -> str:
    """A text argument, or standard input when it is :data:`STDIN_MARK` (``-``)."""
    return sys.stdin.read() if text == STDIN_MARK else text


def emit(data: dict[str, Any], *, as_json: bool, text: str) -> None:
    """Print ``data`` as one JSON object (``--json``) or ``text`` for a person."""
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    else:
        typer.echo(text)
