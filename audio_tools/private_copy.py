"""Private copies of an input, for capabilities that read it more than once.

A path checked and then read again by each reader (a probe, a backend's decode, the mix's
passes) can meet another file at each read. So an input is opened once
(:mod:`audio_tools.safe_open`) and copied into a private folder (mode 0700, removed
afterwards), and every later reader reads the copy:

* :func:`byte_copy`: the bytes opened, unchanged (speech-to-text: backends decode it with
  bounded decodes, or upload it as it is);
* :func:`decoded_copy`: one bounded decode into a lossless FLAC with the input's rate and
  channels (the mix, whose graphs read their inputs whole): a file that decodes longer than
  it declares is refused by that one decode, and the copy's header tells its true length.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from audio_tools.config import Settings
from audio_tools.decode import (
    DOWNMIX_ARGS,
    DURATION_SLACK_S,
    AudioInfo,
    AudioSource,
    decode_limit,
    opened_source,
    probe_opened,
    refuse_longer,
)
from audio_tools.ffmpeg import input_args, run_ffmpeg
from audio_tools.safe_open import OpenedFile

__all__ = ["Decoded", "byte_copy", "decoded_copy"]

COPY_ARGS = ["-c:a", "flac", "-compression_level", "0"]  # fast; 24-bit for float sources
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_STEM_CHARS = 100
MAX_SUFFIX_CHARS = 10


@dataclass(frozen=True)
class Decoded:
    """An input decoded once into a private lossless copy, which every later reader uses.

    Attributes:
        source: what the input declared (its path as found, format, codec, size).
        copy: the FLAC copy, with the length actually decoded.
    """

    source: AudioInfo
    copy: AudioInfo


@contextlib.contextmanager
def byte_copy(source: AudioSource, settings: Settings) -> Iterator[AudioInfo]:
    """The source opened once, probed, and its bytes copied into a private folder.

    Yields:
        The probe of the source, whose ``path`` is the copy (named like the source, so that
        its suffix still tells its format).

    Raises:
        what :func:`~audio_tools.decode.probe` raises.
    """
    with tempfile.TemporaryDirectory(prefix="audio_tools-") as folder, opened_source(source, settings) as opened:
        info = probe_opened(opened, settings)
        copy = Path(folder) / _copy_name(opened.name)
        opened.copy_to(copy)
        yield replace(info, path=copy)


@contextlib.contextmanager
def decoded_copy(source: AudioSource, settings: Settings, *, max_channels: int | None = None) -> Iterator[Decoded]:
    """The source decoded once, bounded by its declared length and the cap, into a private FLAC.

    Args:
        source: a local path, an opened file (left open), or the raw bytes of an audio file.
        settings: caps and the ffmpeg timeout.
        max_channels: mix down to at most this many channels; the source's when None.

    Raises:
        what :func:`~audio_tools.decode.probe` raises; InvalidAudioError or InputTooLargeError
        when it decodes longer than its header says or than the cap.
    """
    with tempfile.TemporaryDirectory(prefix="audio_tools-") as folder:
        with opened_source(source, settings) as opened:
            info = probe_opened(opened, settings)
            limit = decode_limit(info, settings)
            copy = Path(folder) / f"{Path(_copy_name(opened.name)).stem}.flac"
            shape = [*DOWNMIX_ARGS, "-ac", str(max_channels)] if 0 < (max_channels or 0) < info.channels else []
            run_ffmpeg([*input_args(opened.ffmpeg_input(), info.format), "-map", "0:a:0", "-vn",
                        "-t", f"{limit:.3f}", *shape, *COPY_ARGS, f"file:{copy}"],
                       timeout=settings.ffmpeg_timeout_s, pass_fds=opened.pass_fds)
        fd = os.open(copy, os.O_RDONLY | os.O_CLOEXEC)
        # The copy is ours and bounded by -t already; it may be larger than a compressed source.
        with OpenedFile(fd, opened.name, copy, os.fstat(fd).st_size) as own:
            copied = probe_opened(own, settings.with_(max_duration_s=limit + DURATION_SLACK_S))
        refuse_longer(copied.duration, info, settings)
        yield Decoded(source=info, copy=copied)


def _copy_name(name: str) -> str:
    """A plain file name for a copy of ``name``: its suffix kept, odd characters replaced."""
    path = Path(_UNSAFE.sub("_", name))
    return f"{path.stem[:MAX_STEM_CHARS].strip('.') or 'audio'}{path.suffix[:MAX_SUFFIX_CHARS].lower()}"
