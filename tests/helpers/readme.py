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

__all__ = ["COMMAND_PREFIXES", "GENERATED", "Command", "readme_commands", "shell_lines", "strip_comment"]

COMMAND_PREFIXES = ("audio-agent ", "make ", "chroma run", "pip install", "hf download")
# A fence as CommonMark has it: three or more backticks or tildes (indented inside a list too); the
# language is the first word of its info string, in any case; the block ends at a fence of the same kind.
FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)\n(?P<body>.*?)^[ \t]*(?P=fence)[ \t]*$",
                   re.MULTILINE | re.DOTALL)
SHELL = frozenset({"bash", "sh", "shell", "console", "zsh"})
PYTHON = frozenset({"python", "py", "python3"})
NOT_COMMANDS = frozenset({"", "json", "text", "toml", "yaml"})  # file trees, configs, outputs
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
        words = block.group("info").split()
        language, body = (words[0].lower() if words else ""), block.group("body")
        if language in PYTHON:
            found.append((block.start(), Command("python", textwrap.dedent(body))))
        elif language in SHELL:
            found += [(block.start(), Command("bash", line)) for line in shell_lines(body)]
        elif language not in NOT_COMMANDS:
            msg = f"a ```{language} block: say whether it shows commands (SHELL, PYTHON) or not (NOT_COMMANDS)"
            raise ValueError(msg)
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


def shell_lines(body: str) -> list[str]:
    """The commands of a shell block: lines ending in ``\\`` joined to the next, ``$ `` prompts and comments cut."""
    joined = re.sub(r"[ \t]*\\\n[ \t]*", " ", body)
    lines = (strip_comment(line) for line in joined.splitlines())
    return [line.removeprefix("$ ") for line in lines if line]


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
