"""Cited moments as audio: cut from the original recording, so that the user hears what was said."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from audio_tools.audio import extract
from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.numbers import checked_number
from audio_tools.workspace import Workspace

__all__ = ["CLIP_PAD_S", "clip"]

CLIP_PAD_S = 0.5  # of context either side of the cited moment: word times are a few tenths of a second off


def clip(
    source: str,
    start: float,
    end: float,
    *,
    settings: Settings,
    output: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    pad_s: float = CLIP_PAD_S,
) -> Path:
    """Cut ``start``..``end`` seconds (plus ``pad_s`` either side) of a recording in the workspace.

    Args:
        source: the recording's path relative to the workspace, as search hits name it.
        start: where the moment starts, in seconds.
        end: where it ends.
        settings: the workspace and caps.
        output: the file to write (its suffix picks the format); a new file under the
            workspace's ``outputs/`` (FLAC) when None.
        overwrite: replace ``output`` when it exists.
        pad_s: seconds of context added either side.

    Raises:
        InvalidInputError: an empty range, or one longer than ``settings.max_output_s``.
        PathNotAllowedError: ``source`` lies outside the workspace or is a link.
        OutputExistsError: ``output`` exists and ``overwrite`` is false.
    """
    first = checked_number("start", start, 0.0, settings.max_duration_s, unit=" s")
    last = checked_number("end", end, 0.0, settings.max_duration_s, unit=" s")
    pad = checked_number("pad_s", pad_s, 0.0, 10.0, unit=" s")
    if last - first > settings.max_output_s:
        msg = (f"A clip of {last - first:.0f} s is longer than the {settings.max_output_s:.0f} s allowed "
               f"(AUDIO_TOOLS_MAX_OUTPUT_S); cut a shorter moment.")
        raise InvalidInputError(msg)
    workspace = Workspace(settings=settings)
    with workspace.open_input(source) as opened:
        target = Path(output) if output is not None else workspace.new_output(
            ".flac", stem=f"{PurePosixPath(source).stem}_{int(first)}s")
        return extract(opened, target, max(0.0, first - pad), last + pad, overwrite=overwrite, settings=settings)
