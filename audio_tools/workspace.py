"""The workspace: the one directory tree a tool may read from and write to.

Inputs are opened once, walking from the root (symlinks followed only while they stay under
it), and read through what was opened (:mod:`audio_tools.safe_open`). Outputs get fresh
unique names under ``root/outputs/``, are written to a temporary file first and then linked
into place, so a reader never sees half a file and nothing existing is ever replaced.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from audio_tools import output_log
from audio_tools.config import Settings
from audio_tools.errors import AudioToolsError, InvalidInputError, OutputExistsError, PathNotAllowedError
from audio_tools.safe_open import OpenedFile, open_beneath

__all__ = ["GENERATED_NAME", "OUTPUT_DIR_NAME", "Workspace", "atomic_output", "partial_name"]

OUTPUT_DIR_NAME = "outputs"
_STEM_CHARS = re.compile(r"[^A-Za-z0-9_]+")
MAX_STEM_CHARS = 40
# What new_output() names a file: STEM-YYYYmmdd-HHMMSS-<8 hex>.SUFFIX
GENERATED_NAME = re.compile(rf"^[A-Za-z0-9_]{{1,{MAX_STEM_CHARS}}}-\d{{8}}-\d{{6}}-[0-9a-f]{{8}}\.[a-z0-9]{{1,5}}$")
# What atomic_output() names a write in progress: .<final stem>.<8 hex>.partial<final suffix>
_PARTIAL_NAME = re.compile(r"^\.(?P<stem>.+)\.[0-9a-f]{8}\.partial(?P<suffix>\.[A-Za-z0-9]{1,5})$")


class Workspace:
    """A root directory that confines every file a tool touches.

    Args:
        root: the directory; defaults to ``settings.workspace``.
        settings: caps and defaults; read from the environment when omitted.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None, settings: Settings | None = None) -> None:
        self.settings = settings if settings is not None else Settings.from_env()
        base = Path(root) if root is not None else self.settings.workspace
        self.root = base.expanduser().resolve()
        if not self.root.is_dir():
            msg = f"Workspace {self.root} is not a directory. Create it or point AUDIO_TOOLS_WORKSPACE elsewhere."
            raise InvalidInputError(msg)

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    @property
    def outputs(self) -> Path:
        """Where generated files go (created on first use)."""
        return self.root / OUTPUT_DIR_NAME

    def contains(self, path: Path) -> bool:
        """Whether the resolved ``path`` lies under the root."""
        return path.resolve().is_relative_to(self.root)

    def open_input(self, path: str | os.PathLike[str]) -> OpenedFile:
        """Open an existing file inside the workspace, once; read it through what is returned.

        Relative paths are taken from the root; absolute ones must point inside it. The caller
        closes it (it is a context manager).

        Raises:
            PathNotAllowedError: outside the root (``..``, absolute elsewhere, a symlink
                escaping), a URL or protocol, a playlist, a NUL byte, a leading ``-``, or more
                than one hard link while ``allow_hardlinks`` is off.
            InvalidInputError: there is no such file, or it is not a regular file.
            InvalidAudioError: it is empty.
            InputTooLargeError: over ``max_input_bytes``.
        """
        return open_beneath(self.root, path, self.settings)

    def resolve_input(self, path: str | os.PathLike[str]) -> Path:
        """The real path of an existing file inside the workspace, checked as :meth:`open_input` does.

        For showing or recording a path: reading the file by this path later can meet another
        file, if the tree changes meanwhile; read what :meth:`open_input` returns instead.

        Raises:
            what :meth:`open_input` raises.
        """
        with self.open_input(path) as opened:
            return opened.path

    def new_output(self, suffix: str = ".wav", stem: str = "audio") -> Path:
        """A fresh, unused path under ``outputs/`` (the file itself is not created).

        Once a file is published under this name by :func:`atomic_output`, the name is
        recorded (:mod:`audio_tools.output_log`) so that retention may remove it later;
        nothing else in ``outputs/`` is ever removed.

        Args:
            suffix: the file extension, e.g. ``.mp3``.
            stem: a hint for the name; reduced to letters, digits and ``_``.
        """
        if not re.fullmatch(r"\.[a-z0-9]{1,5}", suffix):
            msg = f"Output suffix {suffix!r} is not a plain extension like '.wav'."
            raise InvalidInputError(msg)
        outputs = self.outputs
        outputs.mkdir(parents=True, exist_ok=True)
        if not outputs.resolve().is_relative_to(self.root):
            msg = f"{outputs} points outside the workspace; remove that link."
            raise PathNotAllowedError(msg)
        clean = _STEM_CHARS.sub("_", stem).strip("_")[:MAX_STEM_CHARS] or "audio"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = outputs / f"{clean}-{stamp}-{secrets.token_hex(4)}{suffix}"
        output_log.expect(path)
        return path

    @contextlib.contextmanager
    def temp_dir(self) -> Iterator[Path]:
        """A private temporary directory, removed with everything in it afterwards."""
        with tempfile.TemporaryDirectory(prefix="audio_tools-") as name:
            yield Path(name)


@contextlib.contextmanager
def atomic_output(path: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place when the block succeeds.

    Without ``overwrite`` the final step is a hard link, which fails rather than replace a
    file that appeared meanwhile. The temporary file is removed in every case.

    Raises:
        OutputExistsError: ``path`` exists and ``overwrite`` is false.
    """
    if path.exists() and not overwrite:
        msg = f"{path} already exists; choose another name (or pass --force on the command line)."
        raise OutputExistsError(msg)
    parent = path.parent
    if not parent.is_dir():
        msg = f"The folder {parent} does not exist; create it first."
        raise InvalidInputError(msg)
    tmp = parent / f".{path.stem}.{secrets.token_hex(4)}.partial{path.suffix}"  # see _PARTIAL_NAME
    try:
        yield tmp
        if not tmp.exists():
            msg = f"Nothing was written for {path}."
            raise AudioToolsError(msg)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError as e:
                msg = f"{path} appeared while it was being written; nothing was replaced. Try again."
                raise OutputExistsError(msg) from e
            except OSError:
                # Filesystems without hard links: a check-then-rename, racy only against
                # another writer of the same fresh name.
                if path.exists():
                    msg = f"{path} appeared while it was being written; nothing was replaced. Try again."
                    raise OutputExistsError(msg) from None
                os.rename(tmp, path)
        output_log.published(path)
    finally:
        tmp.unlink(missing_ok=True)


def partial_name(name: str) -> str | None:
    """The final name of a write in progress named ``name`` by :func:`atomic_output`, else None."""
    match = _PARTIAL_NAME.match(name)
    return f"{match['stem']}{match['suffix']}" if match else None
