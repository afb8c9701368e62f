"""What the meeting-search commands share: the ``--store`` option, opening the store, and times typed by people."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

import typer

from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError

if TYPE_CHECKING:
    from audio_tools.rag.store import RecordingStore

__all__ = ["StoreOption", "open_store", "parse_time"]

StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="A folder (embedded store) or http://HOST:PORT (a Chroma server); default: "
                                 "AUDIO_TOOLS_STORE_URL, else AUDIO_TOOLS_STORE_DIR, else WORKSPACE/.audio_store."),
]
CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


def open_store(settings: Settings, location: str | None) -> RecordingStore:
    """The store at ``location`` (the configured one when None); waits for other writers are told on stderr."""
    from audio_tools.rag.store import RecordingStore

    return RecordingStore(settings, location=location, on_wait=lambda line: typer.echo(line, err=True))


def parse_time(text: str) -> float:
    """Seconds from ``12.5``, ``mm:ss`` or ``h:mm:ss``, as citations print them.

    Raises:
        InvalidInputError: none of those forms.
    """
    match = CLOCK.match(text.strip())
    if match is not None:
        hours, minutes, seconds = match.groups()
        return int(hours or 0) * 3600.0 + int(minutes) * 60.0 + float(seconds)
    try:
        return float(text)
    except ValueError as e:
        msg = f"{text!r} is not a time; give seconds (75.5), mm:ss (01:15) or h:mm:ss."
        raise InvalidInputError(msg) from e
