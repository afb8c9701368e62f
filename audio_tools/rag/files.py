"""Files of the store written whole or not at all: a crash leaves the old file or the new one.

Each write goes to a hidden temporary file in the same folder, is flushed to disk, and is
renamed over the final name; the folder is then flushed too, so that the rename survives a
power cut. Readers therefore never see half a transcript or half a lexical index.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from audio_tools.workspace import write_failed

__all__ = ["sync_folder", "write_atomic"]

_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (its folder is created when missing).

    Raises:
        OutputWriteError: the disk is full or the write failed; ``path`` is unchanged.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as sink:
            sink.write(data)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(partial, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        if e.errno in _WRITE_ERRNOS:
            raise write_failed(path.name, f"{e.strerror} in {path.parent}") from e
        raise
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (renames, new files) to disk; a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
