"""What every ``audio-agent`` command shares: settings from the context, common options, output, errors."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from audio_tools.config import Settings
from audio_tools.paths import check_output_file

__all__ = ["STDIN_MARK", "ForceOption", "JsonOption", "OutputOption", "emit", "output_target", "read_text",
           "settings_of"]

STDIN_MARK = "-"

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
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


def output_target(path: str | os.PathLike[str], *, force: bool) -> Path:
    """A non-audio output path a person named (a transcript...): replaced only with ``--force``.

    Audio outputs go through :func:`audio_tools.outputs.check_output_path`, which checks the
    format too.

    Raises:
        PathNotAllowedError: a URL, protocol or playlist name.
        OutputExistsError: it exists and ``force`` is false.
        InvalidInputError: it is a directory, or its folder does not exist.
    """
    return check_output_file(path, overwrite=force)


def emit(data: dict[str, Any], *, as_json: bool, text: str) -> None:
    """Print ``data`` as one JSON object (``--json``) or ``text`` for a person."""
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    else:
        typer.echo(text)
