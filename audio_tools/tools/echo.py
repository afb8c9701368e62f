"""Text fit for a language model: workspace-relative paths, no private paths, escaped and short.

The library's messages are written for people at a terminal: they name files by absolute path,
and ffmpeg's lines add ``file:/abs/...`` URLs and private temporary folders. Tool results and
errors pass through :func:`model_text` at the tool boundary instead, which

* names files inside the workspace relative to it, and the workspace itself "the workspace";
* drops the folders of paths under the temporary directory, keeping only the file's name;
* escapes control, bidirectional-override, zero-width and separator characters the way Python
  writes them (a newline becomes ``\\n``, U+202E ``\\u202e``), so that a file name cannot start
  a new line ("SYSTEM: ...") or reorder what the model reads;
* clips the text, keeping its start (what went wrong) and its end (what to do).

:func:`echo` does the same for one name repeated back in a successful result, clipped shorter.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path

__all__ = ["MAX_ECHO_CHARS", "MAX_MESSAGE_CHARS", "clip", "echo", "escape", "model_text"]

MAX_ECHO_CHARS = 60
MAX_MESSAGE_CHARS = 600
# Cc: C0/C1 controls (newline, escape); Cf: format (bidi overrides and isolates, zero-width);
# Zl/Zp: line and paragraph separators; Cs: lone surrogates from undecodable file names.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_FILE_URL = re.compile(r"\bfile:(?=/)")
_NOT_AFTER_PATH = r"(?<![\w~./-])"  # a path starts here, not inside a longer one
_NOT_LONGER_PATH = r"(?![\w~-]|\.[\w~.-])"  # and ends here ("/tmp/ws." ends a sentence; "/tmp/ws.bak" goes on)
_FOLDER = r"[^\s'\"(),;:\[\]/]+/"  # one folder of a path written into a message


def escape(text: str) -> str:
    """``text`` with every control, format and separator character written as a Python escape."""
    return "".join(
        char.encode("unicode_escape", "backslashreplace").decode("ascii")
        if unicodedata.category(char) in _UNSAFE_CATEGORIES else char
        for char in text
    )


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters in the middle, keeping about a quarter from its end."""
    if len(text) <= limit:
        return text
    tail = (limit - 1) // 4
    return text[: limit - 1 - tail] + "…" + (text[-tail:] if tail else "")


def echo(name: str, limit: int = MAX_ECHO_CHARS) -> str:
    """A name (a file's, a voice's) as the model may read it: escaped, then clipped to ``limit``."""
    return clip(escape(name), limit)


def model_text(text: str, root: Path | None = None, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` with paths made relative or neutral, unsafe characters escaped, clipped to ``limit``.

    Args:
        text: a message or result meant for the model.
        root: the workspace root (resolved); paths under it become relative to it.
        limit: the most characters returned.
    """
    text = _FILE_URL.sub("", text)
    if root is not None and root.parent != root:  # a workspace at "/" has nothing to hide
        text = _relative_to(text, str(root))
    text = _names_only_under(text, tempfile.gettempdir())
    return clip(escape(text), limit)


def _relative_to(text: str, root: str) -> str:
    text = re.sub(_NOT_AFTER_PATH + re.escape(root) + "/", "", text)
    whole = re.compile(rf"((?i:\bworkspace) )?{_NOT_AFTER_PATH}{re.escape(root)}{_NOT_LONGER_PATH}")
    return whole.sub(lambda m: m[1].rstrip() if m[1] else "the workspace", text)


def _names_only_under(text: str, folder: str) -> str:
    """Drop the folders of paths under ``folder`` (private temp dirs), leaving each file's name."""
    if Path(folder).parent == Path(folder):
        return text
    return re.sub(rf"{_NOT_AFTER_PATH}{re.escape(folder.rstrip('/'))}/(?:{_FOLDER})*", "", text)
