"""Checking the text a caller gives a generator: words to speak, a music prompt."""

from __future__ import annotations

from audio_tools.config import Settings
from audio_tools.errors import InputTooLargeError, InvalidInputError

__all__ = ["checked_text"]


def checked_text(text: object, settings: Settings, *, what: str, empty_hint: str) -> str:
    """``text`` without surrounding whitespace, once it is known to be usable.

    Args:
        text: what the caller gave.
        settings: its cap, ``max_text_chars`` (counted before stripping).
        what: the text's name at the start of a message, e.g. ``"The music prompt"``.
        empty_hint: what to give instead of empty text, e.g. ``"Give at least one word."``.

    Raises:
        InvalidInputError: not a string, or only whitespace.
        InputTooLargeError: longer than ``settings.max_text_chars``.
    """
    if not isinstance(text, str) or not text.strip():
        msg = f"{what} is empty. {empty_hint}"
        raise InvalidInputError(msg)
    if len(text) > settings.max_text_chars:
        msg = (f"{what} has {len(text)} characters, over the {settings.max_text_chars} limit. "
               f"Shorten it (split long text into parts) or raise AUDIO_TOOLS_MAX_TEXT_CHARS.")
        raise InputTooLargeError(msg)
    return text.strip()
