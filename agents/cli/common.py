"""What every ``audio-agent`` command shares: settings from the context, output, errors."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import typer

from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError, OutputExistsError
from audio_tools.paths import check_local_path

__all__ = ["emit", "output_target", "settings_of"]


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the main callback put on the context (``--workspace`` applied)."""
    root = ctx.find_root()
    if isinstance(root.obj, Settings):
        return root.obj
    return Settings.from_env()


def output_target(path: str | os.PathLike[str], *, force: bool) -> Path:
    """An output path a person named: any writable place, replaced only with ``--force``.

    Raises:
        PathNotAllowedError: a URL, protocol or playlist name.
        OutputExistsError: it exists and ``force`` is false.
    """
    target = check_local_path(path).absolute()
    if target.exists() and not force:
        msg = f"{target} already exists; pass --force to replace it."
        raise OutputExistsError(msg)
    if target.is_dir():
        msg = f"{target} is a directory; give a file name."
        raise InvalidInputError(msg)
    if not target.parent.is_dir():
        msg = f"The folder {target.parent} does not exist; create it first."
        raise InvalidInputError(msg)
    return target


def emit(data: dict[str, Any], *, as_json: bool, text: str) -> None:
    """Print ``data`` as one JSON object (``--json``) or ``text`` for a person."""
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    else:
        typer.echo(text)
