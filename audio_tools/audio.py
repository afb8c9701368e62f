"""Reading, probing, converting and writing audio: one decode path for every format.

Everything goes through ffmpeg (see :mod:`audio_tools.ffmpeg`): any format it decodes is
accepted, as a local path, raw bytes or base64 text. Files are probed first and refused
before decoding when over the size or duration caps. Long files can be streamed as
fixed-size blocks so that an hour of audio never sits in memory twice.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import subprocess
import tempfile
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from audio_tools.config import Settings
from audio_tools.errors import FFmpegError, InputTooLargeError, InvalidAudioError, InvalidInputError
from audio_tools.ffmpeg import (
    STDERR_TAIL_CHARS,
    ffmpeg_command,
    input_args,
    probe_json,
    raw_input_args,
    run_ffmpeg,
)
from audio_tools.outputs import OUTPUT_FORMATS, PROGRESS_ARGS, check_written, encoder_args, progress_seconds
from audio_tools.paths import check_local_path, existing_file
from audio_tools.workspace import atomic_output

__all__ = [
    "OUTPUT_FORMATS",
    "SAMPLE_RATE",
    "AudioBlock",
    "AudioInfo",
    "AudioSource",
    "convert",
    "decode_base64",
    "load_audio",
    "local_file",
    "probe",
    "save_audio",
    "stream_audio",
]

SAMPLE_RATE = 16000
MIN_SAMPLE_RATE = 1000
MAX_SAMPLE_RATE = 384_000
MAX_CHANNELS = 8
BYTES_PER_SAMPLE = 4  # float32
# Decoding stops this far past the duration cap: probe trusts headers, and a file whose
# header understates its length (an MP3 estimated from its first frames' bitrate) must be
# refused rather than fill memory.
DURATION_SLACK_S = 1.0
# ffmpeg downmixes to float output by adding the channels at -3 dB each: identical stereo
# channels come out 3 dB louder than either, past 1.0 near full scale. Capping the mixing
# matrix at 1 makes mono the mean of the channels, as with 16-bit output.
DOWNMIX_ARGS = ["-rematrix_maxval", "1.0"]

AudioSource = str | os.PathLike[str] | bytes | bytearray


@dataclass(frozen=True)
class AudioInfo:
    """What :func:`probe` learns about a file without decoding it."""

    path: Path
    duration: float
    sample_rate: int
    channels: int
    codec: str
    format: str
    size_bytes: int


@dataclass(frozen=True)
class AudioBlock:
    """A block of decoded audio and the time (seconds) of its first sample."""

    start: float
    samples: np.ndarray


def probe(path: str | os.PathLike[str], *, settings: Settings | None = None) -> AudioInfo:
    """Describe a local audio file, refusing it when it is over the caps.

    Raises:
        PathNotAllowedError: a URL, protocol or playlist.
        InvalidInputError: no such file.
        InvalidAudioError: empty, not audio, or no audio stream.
        InputTooLargeError: over ``settings.max_input_bytes`` or ``settings.max_duration_s``.
    """
    settings = settings if settings is not None else Settings.from_env()
    resolved = existing_file(check_local_path(path))
    size = resolved.stat().st_size
    if size == 0:
        msg = f"{resolved.name} is empty (0 bytes). Give a file that contains audio."
        raise InvalidAudioError(msg)
    if size > settings.max_input_bytes:
        msg = (f"{resolved.name} is {_size_text(size)}, over the {_size_text(settings.max_input_bytes)} limit. "
               f"Split it or raise AUDIO_TOOLS_MAX_INPUT_BYTES.")
        raise InputTooLargeError(msg)
    data = probe_json(resolved, timeout=min(settings.ffmpeg_timeout_s, 120.0))
    streams = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        msg = f"{resolved.name} has no audio stream. Give a file with sound in it."
        raise InvalidAudioError(msg)
    stream = streams[0]
    if not stream.get("channels") or not _number(stream.get("sample_rate")):
        msg = (f"{resolved.name} does not hold decodable audio (no channels or sample rate in its "
               f"{stream.get('codec_name', 'unknown')} stream); it is probably corrupt. Give another file.")
        raise InvalidAudioError(msg)
    fmt = data.get("format", {})
    duration = _number(stream.get("duration")) or _number(fmt.get("duration")) or 0.0
    if duration > settings.max_duration_s:
        msg = (f"{resolved.name} lasts {_duration_text(duration)}, over the {_duration_text(settings.max_duration_s)} "
               f"limit. Cut it into parts or raise AUDIO_TOOLS_MAX_DURATION_S.")
        raise InputTooLargeError(msg)
    return AudioInfo(
        path=resolved,
        duration=duration,
        sample_rate=int(_number(stream.get("sample_rate")) or 0),
        channels=int(stream.get("channels") or 0),
        codec=str(stream.get("codec_name", "unknown")),
        format=str(fmt.get("format_name", "unknown")),
        size_bytes=size,
    )


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
        msg = (f"The base64 audio is over the {_size_text(settings.max_input_bytes)} limit. "
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


def load_audio(source: AudioSource, sr: int = SAMPLE_RATE, *, settings: Settings | None = None) -> np.ndarray:
    """Decode a whole file (or bytes) to float32 mono samples at ``sr`` Hz.

    Args:
        source: a local path, or the raw bytes of an audio file.
        sr: the sample rate wanted.
        settings: caps; read from the environment when omitted.

    Returns:
        A 1-D float32 array; empty for a valid file that holds no samples.

    Raises:
        PathNotAllowedError: a URL, protocol or playlist.
        InvalidInputError: no such file, or ``sr`` out of range.
        InvalidAudioError: empty, not audio, or no audio stream.
        InputTooLargeError: over the size or duration caps (also when it decodes longer
            than its header said).
    """
    settings = settings if settings is not None else Settings.from_env()
    rate = _sample_rate(sr)
    with local_file(source, settings) as path:
        probe(path, settings=settings)
        done = run_ffmpeg(_decode_args(path, rate, settings), timeout=settings.ffmpeg_timeout_s)
        samples = np.frombuffer(done.stdout, dtype=np.float32).copy()
        _refuse_past_cap(samples.size, rate, path.name, settings)
    return samples


def stream_audio(
    source: AudioSource,
    sr: int = SAMPLE_RATE,
    block_s: float = 30.0,
    *,
    settings: Settings | None = None,
) -> Generator[AudioBlock, None, None]:
    """Decode in blocks of ``block_s`` seconds (the last may be shorter), in order.

    Memory stays flat whatever the file's length: one block and ffmpeg's pipe buffer.
    Closing the generator early stops ffmpeg.

    Raises:
        InvalidInputError: ``block_s`` is not positive, or ``sr`` out of range.
        InputTooLargeError: over the caps (checked before the first block, and again
            while decoding when the header understated the length).
        FFmpegError: ffmpeg failed or ran past the timeout.
    """
    if not block_s > 0:
        msg = f"block_s must be positive, got {block_s!r}."
        raise InvalidInputError(msg)
    settings = settings if settings is not None else Settings.from_env()
    rate = _sample_rate(sr)
    block_bytes = max(1, round(block_s * rate)) * BYTES_PER_SAMPLE
    with local_file(source, settings) as path:
        probe(path, settings=settings)
        command = ffmpeg_command(_decode_args(path, rate, settings))
        with tempfile.TemporaryFile() as stderr:
            process = subprocess.Popen(  # noqa: S603 - argument list, no shell
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, shell=False
            )
            timer = threading.Timer(settings.ffmpeg_timeout_s, process.kill)
            # A daemon timer: a generator abandoned unfinished must not keep the interpreter
            # from exiting until the timeout.
            timer.daemon = True
            timer.start()
            try:
                assert process.stdout is not None  # noqa: S101 - set by stdout=PIPE
                position = 0
                while chunk := _read_exactly(process.stdout, block_bytes):
                    usable = len(chunk) - len(chunk) % BYTES_PER_SAMPLE
                    samples = np.frombuffer(chunk[:usable], dtype=np.float32).copy()
                    _refuse_past_cap(position + samples.size, rate, path.name, settings)
                    yield AudioBlock(start=position / rate, samples=samples)
                    position += samples.size
                returncode = process.wait()
            finally:
                timer.cancel()
                if process.poll() is None:
                    process.kill()
                    process.wait()
            if returncode != 0:
                stderr.seek(0)
                text = stderr.read().decode(errors="replace")[-STDERR_TAIL_CHARS:]
                reason = "timed out" if returncode < 0 else f"exit {returncode}"
                msg = f"ffmpeg failed while decoding {path.name} ({reason}): {text.strip() or 'no message'}"
                raise FFmpegError(msg, text)


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
    rate = _sample_rate(sr)
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
        shape += ["-ar", str(_sample_rate(sr))]
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


def _decode_args(path: Path, sr: int, settings: Settings) -> list[str]:
    """Decode the first audio stream to float32 mono on stdout, stopping past the duration cap."""
    limit = settings.max_duration_s + DURATION_SLACK_S
    return [*input_args(path), "-map", "0:a:0", "-t", f"{limit:.3f}", *DOWNMIX_ARGS,
            "-f", "f32le", "-ac", "1", "-ar", str(sr), "pipe:1"]


def _refuse_past_cap(samples: int, sr: int, name: str, settings: Settings) -> None:
    if samples > (settings.max_duration_s + DURATION_SLACK_S / 2) * sr:
        msg = (f"{name} decodes to more than the {_duration_text(settings.max_duration_s)} limit, although its "
               f"header says it is shorter. Cut it into parts or raise AUDIO_TOOLS_MAX_DURATION_S.")
        raise InputTooLargeError(msg)


def _sample_rate(sr: int) -> int:
    if not MIN_SAMPLE_RATE <= int(sr) <= MAX_SAMPLE_RATE:
        msg = f"Sample rate {sr!r} Hz is out of range; give {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz (e.g. 16000)."
        raise InvalidInputError(msg)
    return int(sr)


def _size_text(size: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.4g} {unit}"
    return f"{int(size)} bytes"


def _duration_text(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.4g} h"
    if seconds >= 60:
        return f"{seconds / 60:.4g} min"
    return f"{seconds:.4g} s"


@contextlib.contextmanager
def local_file(source: AudioSource, settings: Settings) -> Iterator[Path]:
    """A path to decode: the path given, or the bytes written to a private temp file.

    Raises:
        InvalidAudioError: empty bytes.
        InputTooLargeError: bytes over ``settings.max_input_bytes``.
        PathNotAllowedError: a URL, protocol or playlist path.
        InvalidInputError: no such file.
    """
    if isinstance(source, bytes | bytearray):
        if not source:
            msg = "The audio data is empty (0 bytes). Give the bytes of an audio file."
            raise InvalidAudioError(msg)
        if len(source) > settings.max_input_bytes:
            msg = (f"The audio data is {_size_text(len(source))}, over the {_size_text(settings.max_input_bytes)} "
                   f"limit. Give a shorter recording or raise AUDIO_TOOLS_MAX_INPUT_BYTES.")
            raise InputTooLargeError(msg)
        with tempfile.TemporaryDirectory(prefix="audio_tools-") as tmp:
            path = Path(tmp) / "input.bin"
            path.write_bytes(bytes(source))
            yield path
        return
    yield existing_file(check_local_path(source))


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        part = stream.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None
