"""Cut long text into chunks a speech engine accepts, at the most natural places.

Chunks are filled greedily with whole sentences. A sentence longer than the limit is cut at
clause marks (commas, semicolons, colons, dashes), then between words, and only a "word"
longer than the limit (e.g. unspaced Chinese) is cut mid-way. Latin and CJK punctuation
are both recognised.
"""

from __future__ import annotations

import re

from audio_tools.errors import InvalidInputError

__all__ = ["split_text"]

# Each pattern matches the text that ends a piece; the cut is after the match.
_SENTENCE = re.compile(r"[.!?…]+[\"'”’»)\]]*(?:\s+|$)|[。！？]+[」』”’）]*\s*|\s*\n\s*")
_CLAUSE = re.compile(r"[,;:，、；：]+\s*|\s+[-–—]+\s+|[–—]+")
_WORD = re.compile(r"\s+")
_LEVELS = (_SENTENCE, _CLAUSE, _WORD)


def split_text(text: str, max_chars: int) -> list[str]:
    """Chunks of at most ``max_chars`` characters that together say all of ``text``.

    Whitespace inside a chunk is kept; chunks are stripped and empty ones dropped.

    Raises:
        InvalidInputError: ``max_chars`` is not positive.
    """
    if max_chars < 1:
        msg = f"max_chars must be at least 1, got {max_chars}."
        raise InvalidInputError(msg)
    return [chunk for chunk in _split(text.strip(), max_chars, 0) if chunk]


def _split(text: str, max_chars: int, level: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    if level == len(_LEVELS):
        return [text[i:i + max_chars].strip() for i in range(0, len(text), max_chars)]
    chunks: list[str] = []
    for packed in _pack(_pieces(text, _LEVELS[level]), max_chars):
        chunks.extend(_split(packed, max_chars, level + 1))
    return chunks


def _pieces(text: str, boundary: re.Pattern[str]) -> list[str]:
    """``text`` cut after every match of ``boundary``, each piece keeping its delimiter."""
    pieces: list[str] = []
    start = 0
    for match in boundary.finditer(text):
        if match.end() > start:
            pieces.append(text[start:match.end()])
            start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _pack(pieces: list[str], max_chars: int) -> list[str]:
    """Consecutive pieces joined while the stripped result fits; over-long pieces stand alone."""
    packed: list[str] = []
    current = ""
    for piece in pieces:
        if current and len((current + piece).strip()) > max_chars:
            packed.append(current.strip())
            current = ""
        current += piece
    if current.strip():
        packed.append(current.strip())
    return packed
