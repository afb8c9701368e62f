"""The commands a Markdown file (the README) shows, in the order it shows them.

Three kinds: each non-comment line of a ```bash block (its trailing ``# comment`` cut off),
each inline code span that starts like a command (:data:`COMMAND_PREFIXES`; a span broken over
two lines is one command), and each ```python block whole. A command shown twice is listed
once, where it first appears. The generated benchmark table (between :data:`GENERATED` markers)
names commands as the labels of measured figures, not as commands to type: it is skipped.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["COMMAND_PREFIXES", "GENERATED", "Command", "readme_commands", "strip_comment"]

COMMAND_PREFIXES = ("audio-agent ", "make ", "chroma run", "pip install", "hf download")
FENCE = re.compile(r"^[ \t]*```(\w*)\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)  # indented inside a list too
CODE_SPAN = re.compile(r"`([^`]+)`")
GENERATED = re.compile(r"<!-- bench:begin -->.*?<!-- bench:end -->", re.DOTALL)

Kind = Literal["bash", "inline", "python"]


@dataclass(frozen=True)
class Command:
    """One command of the README.

    Attributes:
        kind: ``bash`` (a line of a bash block), ``inline`` (a code span) or ``python`` (a block).
        text: the command as shown (a Python block's whole source).
    """

    kind: Kind
    text: str


def readme_commands(path: Path) -> list[Command]:
    """Every command ``path`` shows, in order, each once."""
    text = GENERATED.sub(lambda table: " " * len(table.group(0)), path.read_text(encoding="utf-8"))
    found: list[tuple[int, Command]] = []
    for block in FENCE.finditer(text):
        language, body = block.group(1), block.group(2)
        if language == "python":
            found.append((block.start(), Command("python", textwrap.dedent(body))))
        elif language == "bash":
            found += [(block.start(), Command("bash", line)) for line in map(strip_comment, body.splitlines())
                      if line]
    prose = FENCE.sub(lambda block: " " * len(block.group(0)), text)  # same offsets, no blocks
    for span in CODE_SPAN.finditer(prose):
        words = " ".join(span.group(1).split())
        if words.startswith(COMMAND_PREFIXES):
            found.append((span.start(), Command("inline", words)))
    seen: set[str] = set()
    commands = []
    for _, command in sorted(found, key=lambda item: item[0]):  # stable: a block's lines keep their order
        if command.text not in seen:
            seen.add(command.text)
            commands.append(command)
    return commands


def strip_comment(line: str) -> str:
    """``line`` without a ``# comment`` (a ``#`` after a space, outside quotes), stripped."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].strip()
    return line.strip()
