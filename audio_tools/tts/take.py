"""Speech joined on disk: chunks go to a raw float32 file as they arrive, then one encode.

Memory stays bounded by one chunk whatever the text's length; the raw file lives in a
private temporary folder (mode 0700) removed in every case, and the output is published by
:func:`~audio_tools.workspace.atomic_output` like every other file this project writes.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from audio_tools.config import Settings
from audio_tools.ffmpeg import run_ffmpeg
from audio_tools.outputs import check_written, encoder_args
from audio_tools.tts.join import Joiner
from audio_tools.workspace import atomic_output

__all__ = ["DiskTake", "disk_take"]


class DiskTake(Joiner):
    """A :class:`~audio_tools.tts.join.Joiner` whose pieces are appended to ``raw`` (float32 little-endian).

    Args:
        raw: the file the pieces are written to, opened for writing.
        path: its path, for the encoder.
        sample_rate: the chunks' rate.
        max_s: the cap on the take's length.
    """

    def __init__(self, raw: Path, sample_rate: int, *, max_s: float) -> None:
        self.raw = raw
        self._file = raw.open("wb")
        super().__init__(sample_rate, self._write, max_s=max_s)

    def _write(self, piece: np.ndarray) -> None:
        self._file.write(np.ascontiguousarray(piece, dtype="<f4").data)

    def close(self) -> None:
        """Close the raw file (idempotent)."""
        self._file.close()

    def save(self, target: Path, *, overwrite: bool, settings: Settings) -> Path:
        """Encode the take into ``target`` (format from its suffix), published atomically.

        Raises:
            InvalidInputError: an unknown suffix.
            OutputExistsError: ``target`` exists and ``overwrite`` is false.
            OutputWriteError: the disk is full or the write failed; nothing was saved.
            FFmpegError: ffmpeg failed.
        """
        self.close()
        encoder = encoder_args(target)
        source = ["-protocol_whitelist", "file", "-f", "f32le", "-ar", str(self.sample_rate), "-ac", "1",
                  "-i", f"file:{self.raw}"]
        with atomic_output(target, overwrite=overwrite) as tmp:
            run_ffmpeg([*source, *encoder, f"file:{tmp}"], timeout=settings.ffmpeg_timeout_s)
            check_written(tmp, self.samples / self.sample_rate, target.name, settings=settings)
        return target


@contextlib.contextmanager
def disk_take(sample_rate: int, settings: Settings) -> Iterator[DiskTake]:
    """A :class:`DiskTake` capped at ``settings.max_output_s`` in a private folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="audio_tools-speech-") as folder:
        take = DiskTake(Path(folder) / "speech.f32", sample_rate, max_s=settings.max_output_s)
        try:
            yield take
        finally:
            take.close()
