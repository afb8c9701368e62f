"""Reading, probing, converting and writing audio: one decode path for every format.

Everything goes through ffmpeg (see :mod:`audio_tools.ffmpeg`): any format it decodes is
accepted, as a local path, raw bytes or base64 text. Inputs are opened once and decoded with
bounds (:mod:`audio_tools.decode`, whose names are exported here too); this module adds base64
input, conversion and writing.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

import numpy as np

from audio_tools.config import Settings
from audio_tools.decode import (
    BYTES_PER_SAMPLE,
    DOWNMIX_ARGS,
    SAMPLE_RATE,
    AudioBlock,
    AudioInfo,
    AudioSource,
    checked_sample_rate,
    load_audio,
    opened_source,
    probe,
    stream_audio,
)
from audio_tools.errors import InputTooLargeError, InvalidAudioError, InvalidInputError
from audio_tools.ffmpeg import input_args, raw_input_args, run_ffmpeg
from audio_tools.numbers import checked_number, filter_number
from audio_tools.outputs import OUTPUT_FORMATS, PROGRESS_ARGS, check_written, encoder_args, progress_seconds
from audio_tools.paths import check_local_path
from audio_tools.safe_open import size_text
from audio_tools.workspace import atomic_output

__all__ = [
    "BYTES_PER_SAMPLE",
    "OUTPUT_FORMATS",
    "SAMPLE_RATE",
    "AudioBlock",
    "AudioInfo",
    "AudioSource",
    "convert",
    "decode_base64",
    "extract",
    "load_audio",
    "opened_source",
    "probe",
    "save_audio",
    "stream_audio",
]

MAX_CHANNELS = 8


def decode_base64(text: str, *, settings: Settings | None = None) -> bytes:
    """The bytes of base64 text (a ``data:audio/...;base64,`` prefix is allowed).

    Raises:
        InvalidAudioError: the text is not valid base64 or decodes to nothing.
        InputTooLargeError: the decoded size is over ``settings.max_input_bytes``.
    """
    settings = settings if settings is not None else Settings.from_env()
    payload = text.strip()
    if payload.startswith("data:"):
        payload = payload.partition(",")[2]
    if len(payload) * 3 // 4 > settings.max_input_bytes:
        msg = (f"The base64 audio is over the {size_text(settings.max_input_bytes)} limit. "
               f"Send a shorter recording or raise AUDIO_TOOLS_MAX_INPUT_BYTES.")
        raise InputTooLargeError(msg)
    try:
        data = base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError) as e:
        msg = "The base64 audio is not valid base64. Send the file's bytes encoded with standard base64."
        raise InvalidAudioError(msg) from e
    if not data:
        msg = "The base64 audio is empty. Send the bytes of an audio file."
        raise InvalidAudioError(msg)
    return data


def save_audio(
    samples: np.ndarray,
    sr: int,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    settings: Settings | None = None,
) -> Path:
    """Encode samples to ``path``; the format follows its suffix (wav, flac, mp3, ogg, m4a).

    Args:
        samples: float audio in [-1, 1], shape ``(n,)`` or ``(n, channels)``.
        sr: their sample rate.
        path: where to write; written atomically and never replacing a file unless
            ``overwrite``.
        overwrite: allow replacing an existing file (the CLI's ``--force``).
        settings: timeouts; read from the environment when omitted.

    Raises:
        InvalidInputError: unknown suffix, bad sample rate or samples.
        OutputExistsError: the file exists and ``overwrite`` is false.
        OutputWriteError: the disk is full or the write failed; nothing was saved.
    """
    settings = settings if settings is not None else Settings.from_env()
    target = check_local_path(path).absolute()
    encoder = encoder_args(target)
    rate = checked_sample_rate(sr)
    data = np.asarray(samples, dtype=np.float32)
    channels = 1 if data.ndim == 1 else data.shape[-1]
    # (channels, n) arrays, as torch and librosa return them, land here too.
    if data.ndim not in (1, 2) or not 1 <= channels <= MAX_CHANNELS:
        msg = (f"Cannot save audio of shape {data.shape}; give (n,) or (n, channels) with 1 to "
               f"{MAX_CHANNELS} channels (transpose a (channels, n) array first).")
        raise InvalidInputError(msg)
    if not np.all(np.isfinite(data)):
        msg = "The samples contain NaN or infinite values; nothing was written. Replace them (np.nan_to_num)."
        raise InvalidInputError(msg)
    with atomic_output(target, overwrite=overwrite) as tmp:
        run_ffmpeg(
            [*raw_input_args(rate, channels), *encoder, f"file:{tmp}"],
            input=np.clip(data, -1.0, 1.0).tobytes(),
            timeout=settings.ffmpeg_timeout_s,
        )
        check_written(tmp, data.shape[0] / rate, target.name, settings=settings)
    return target


def convert(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    sr: int | None = None,
    channels: int | None = None,
    overwrite: bool = False,
    settings: Settings | None = None,
) -> Path:
    """Re-encode one file as another format (from ``dst``'s suffix), optionally resampled.

    Raises:
        InvalidAudioError: ``src`` is not audio.
        InvalidInputError: unknown suffix, ``sr`` or ``channels`` out of range.
        OutputExistsError: ``dst`` exists and ``overwrite`` is false.
        OutputWriteError: the disk is full or the write failed; nothing was saved.
    """
    settings = settings if settings is not None else Settings.from_env()
    info = probe(src, settings=settings)
    target = check_local_path(dst).absolute()
    encoder = encoder_args(target)
    shape: list[str] = []
    if sr is not None:
        shape += ["-ar", str(checked_sample_rate(sr))]
    if channels is not None:
        if not 1 <= int(channels) <= MAX_CHANNELS:
            msg = f"channels must be 1 to {MAX_CHANNELS}, got {channels!r}."
            raise InvalidInputError(msg)
        shape += [*DOWNMIX_ARGS, "-ac", str(int(channels))]
    with atomic_output(target, overwrite=overwrite) as tmp:
        done = run_ffmpeg(
            [*PROGRESS_ARGS, *input_args(info.path), "-map", "0:a:0", "-vn", *shape, *encoder, f"file:{tmp}"],
            timeout=settings.ffmpeg_timeout_s,
        )
        check_written(tmp, progress_seconds(done.stdout), target.name, settings=settings)
    return target


def extract(
    src: AudioSource,
    dst: str | os.PathLike[str],
    start: float,
    end: float,
    *,
    overwrite: bool = False,
    settings: Settings | None = None,
) -> Path:
    """Cut ``start`` to ``end`` seconds of a recording into a new file (format from ``dst``'s suffix).

    The source is opened once; the range is clamped to the recording's length.

    Raises:
        InvalidAudioError: ``src`` is not audio.
        InvalidInputError: ``start``/``end`` not numbers with ``0 <= start < end``, past the end, or an
            unknown suffix.
        OutputExistsError: ``dst`` exists and ``overwrite`` is false.
        OutputWriteError: the disk is full or the write failed; nothing was saved.
    """
    settings = settings if settings is not None else Settings.from_env()
    first = checked_number("start", start, 0.0, settings.max_duration_s, unit=" s")
    last = checked_number("end", end, 0.0, settings.max_duration_s, unit=" s")
    target = check_local_path(dst).absolute()
    encoder = encoder_args(target)
    with opened_source(src, settings) as opened:
        info = probe(opened, settings=settings)
        last = min(last, info.duration)
        if not first < last:
            msg = (f"The range {first:.2f}-{end:.2f} s is empty in {opened.name}, which lasts "
                   f"{info.duration:.2f} s. Give a start before the end, inside the recording.")
            raise InvalidInputError(msg)
        with atomic_output(target, overwrite=overwrite) as tmp:
            done = run_ffmpeg(
                [*PROGRESS_ARGS, "-ss", filter_number(first), "-t", filter_number(last - first),
                 *input_args(opened.ffmpeg_input(), info.format), "-map", "0:a:0", "-vn", *encoder, f"file:{tmp}"],
                timeout=settings.ffmpeg_timeout_s, pass_fds=opened.pass_fds,
            )
            check_written(tmp, progress_seconds(done.stdout), target.name, settings=settings)
    return target
