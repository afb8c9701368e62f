"""Probing and decoding inputs: each opened once, each decode bounded by what the file declares.

A source (a path, an :class:`~audio_tools.safe_open.OpenedFile` or raw bytes) is opened once;
ffprobe and ffmpeg read the open descriptor. Files are refused before decoding when over the
size or duration caps, and every decode stops (``-t``) a little past the length the file
declares and past the duration cap: a file that decodes longer than its header says is
refused after a second or so of work, not after hours. Only a length ffprobe guessed from the
bitrate (an MP3 without a Xing header) is not trusted as a bound; the cap alone holds then.

Capabilities that read an input more than once (speech-to-text backends, the mix) read a
private copy of what was opened instead (:mod:`audio_tools.private_copy`).
"""

from __future__ import annotations

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
from audio_tools.ffmpeg import STDERR_TAIL_CHARS, ffmpeg_command, input_args, probe_json, run_ffmpeg
from audio_tools.safe_open import OpenedFile, open_local, size_text

__all__ = [
    "SAMPLE_RATE",
    "AudioBlock",
    "AudioInfo",
    "AudioSource",
    "checked_sample_rate",
    "decode_limit",
    "load_audio",
    "opened_source",
    "probe",
    "probe_opened",
    "refuse_longer",
    "stream_audio",
]

SAMPLE_RATE = 16000
MIN_SAMPLE_RATE = 1000
MAX_SAMPLE_RATE = 384_000
BYTES_PER_SAMPLE = 4  # float32
# Decoding stops this far past the duration cap, and past a declared length plus this and
# DECLARED_SLACK of it: room for rounding in headers, never for hours.
DURATION_SLACK_S = 1.0
DECLARED_SLACK = 0.01
# ffmpeg downmixes to float output by adding the channels at -3 dB each: identical stereo
# channels come out 3 dB louder than either, past 1.0 near full scale. Capping the mixing
# matrix at 1 makes mono the mean of the channels, as with 16-bit output.
DOWNMIX_ARGS = ["-rematrix_maxval", "1.0"]

AudioSource = str | os.PathLike[str] | bytes | bytearray | OpenedFile


@dataclass(frozen=True)
class AudioInfo:
    """What :func:`probe` learns about a file without decoding it.

    ``duration_estimated`` is true when ffprobe guessed the length from the bitrate.
    ``creation_time`` is the container's ``creation_time`` tag as written (ISO 8601, usually
    UTC), or None.
    """

    path: Path
    duration: float
    sample_rate: int
    channels: int
    codec: str
    format: str
    size_bytes: int
    duration_estimated: bool = False
    creation_time: str | None = None


@dataclass(frozen=True)
class AudioBlock:
    """A block of decoded audio and the time (seconds) of its first sample."""

    start: float
    samples: np.ndarray


def probe(source: str | os.PathLike[str] | OpenedFile, *, settings: Settings | None = None) -> AudioInfo:
    """Describe a local audio file, refusing it when it is over the caps.

    Raises:
        PathNotAllowedError: a URL, protocol or playlist.
        InvalidInputError: no such file.
        InvalidAudioError: empty, not audio, or no audio stream.
        InputTooLargeError: over ``settings.max_input_bytes`` or ``settings.max_duration_s``.
    """
    settings = settings if settings is not None else Settings.from_env()
    with opened_source(source, settings) as opened:
        return probe_opened(opened, settings)


def load_audio(source: AudioSource, sr: int = SAMPLE_RATE, *, settings: Settings | None = None) -> np.ndarray:
    """Decode a whole file (or bytes) to float32 mono samples at ``sr`` Hz.

    Args:
        source: a local path, an opened file, or the raw bytes of an audio file.
        sr: the sample rate wanted.
        settings: caps; read from the environment when omitted.

    Returns:
        A 1-D float32 array; empty for a valid file that holds no samples.

    Raises:
        PathNotAllowedError: a URL, protocol or playlist.
        InvalidInputError: no such file, or ``sr`` out of range.
        InvalidAudioError: empty, not audio, no audio stream, or it decodes longer than its
            header says.
        InputTooLargeError: over the size or duration caps (also when it decodes longer
            than its header said).
    """
    settings = settings if settings is not None else Settings.from_env()
    rate = checked_sample_rate(sr)
    with opened_source(source, settings) as opened:
        info = probe_opened(opened, settings)
        done = run_ffmpeg(_decode_args(opened, info, rate, settings), timeout=settings.ffmpeg_timeout_s,
                          pass_fds=opened.pass_fds)
    samples = np.frombuffer(done.stdout, dtype=np.float32).copy()
    refuse_longer(samples.size / rate, info, settings)
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
        InvalidAudioError: it decodes longer than its header says (checked while decoding).
        InputTooLargeError: over the caps (checked before the first block, and again
            while decoding when the header understated the length).
        FFmpegError: ffmpeg failed or ran past the timeout.
    """
    if not block_s > 0:
        msg = f"block_s must be positive, got {block_s!r}."
        raise InvalidInputError(msg)
    settings = settings if settings is not None else Settings.from_env()
    rate = checked_sample_rate(sr)
    block_bytes = max(1, round(block_s * rate)) * BYTES_PER_SAMPLE
    with opened_source(source, settings) as opened, tempfile.TemporaryFile() as stderr:
        info = probe_opened(opened, settings)
        command = ffmpeg_command(_decode_args(opened, info, rate, settings))
        process = subprocess.Popen(  # noqa: S603 - argument list, no shell
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, shell=False,
            pass_fds=opened.pass_fds,
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
                refuse_longer((position + samples.size) / rate, info, settings)
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
            msg = f"ffmpeg failed while decoding {opened.name} ({reason}): {text.strip() or 'no message'}"
            raise FFmpegError(msg, text)


@contextlib.contextmanager
def opened_source(source: AudioSource, settings: Settings) -> Iterator[OpenedFile]:
    """The source opened once: an opened file as it is (its owner closes it), a path opened
    (:func:`~audio_tools.safe_open.open_local`), or bytes written to a private file and opened.

    Raises:
        InvalidAudioError: empty bytes or file.
        InputTooLargeError: over ``settings.max_input_bytes``.
        PathNotAllowedError: a URL, protocol or playlist path.
        InvalidInputError: no such file.
    """
    if isinstance(source, OpenedFile):
        yield source
        return
    if not isinstance(source, bytes | bytearray):
        with open_local(source, settings) as opened:
            yield opened
        return
    if not source:
        msg = "The audio data is empty (0 bytes). Give the bytes of an audio file."
        raise InvalidAudioError(msg)
    if len(source) > settings.max_input_bytes:
        msg = (f"The audio data is {size_text(len(source))}, over the {size_text(settings.max_input_bytes)} "
               f"limit. Give a shorter recording or raise AUDIO_TOOLS_MAX_INPUT_BYTES.")
        raise InputTooLargeError(msg)
    with tempfile.TemporaryDirectory(prefix="audio_tools-") as tmp:
        path = Path(tmp) / "input.bin"
        path.write_bytes(bytes(source))
        with open_local(path, settings) as opened:
            yield opened


def probe_opened(opened: OpenedFile, settings: Settings) -> AudioInfo:
    """:func:`probe` of a file already opened."""
    name = opened.name
    data = probe_json(opened.ffmpeg_input(), timeout=min(settings.ffmpeg_timeout_s, 120.0),
                      pass_fds=opened.pass_fds, name=name)
    streams = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        msg = f"{name} has no audio stream. Give a file with sound in it."
        raise InvalidAudioError(msg)
    stream = streams[0]
    if not stream.get("channels") or not _number(stream.get("sample_rate")):
        msg = (f"{name} does not hold decodable audio (no channels or sample rate in its "
               f"{stream.get('codec_name', 'unknown')} stream); it is probably corrupt. Give another file.")
        raise InvalidAudioError(msg)
    fmt = data.get("format", {})
    duration = _number(stream.get("duration")) or _number(fmt.get("duration")) or 0.0
    if duration > settings.max_duration_s:
        msg = (f"{name} lasts {_duration_text(duration)}, over the {_duration_text(settings.max_duration_s)} "
               f"limit. Cut it into parts or raise AUDIO_TOOLS_MAX_DURATION_S.")
        raise InputTooLargeError(msg)
    return AudioInfo(
        path=opened.path,
        duration=duration,
        sample_rate=int(_number(stream.get("sample_rate")) or 0),
        channels=int(stream.get("channels") or 0),
        codec=str(stream.get("codec_name", "unknown")),
        format=str(fmt.get("format_name", "unknown")),
        size_bytes=opened.size,
        duration_estimated=bool(data.get("estimated_duration")),
        creation_time=_tag(fmt, "creation_time"),
    )


def _declared_slack(info: AudioInfo) -> float | None:
    """How far past its declared length a file may decode; None when its length is not declared."""
    if info.duration_estimated or not info.duration > 0:
        return None
    return DURATION_SLACK_S + DECLARED_SLACK * info.duration


def decode_limit(info: AudioInfo, settings: Settings) -> float:
    """Seconds of audio a decode may produce (ffmpeg's ``-t``): past the declared length and past the cap."""
    cap = settings.max_duration_s + DURATION_SLACK_S
    slack = _declared_slack(info)
    return cap if slack is None else min(cap, info.duration + slack)


def _decode_args(opened: OpenedFile, info: AudioInfo, sr: int, settings: Settings) -> list[str]:
    """Decode the first audio stream to float32 mono on stdout, bounded by :func:`_decode_limit`."""
    return [*input_args(opened.ffmpeg_input(), info.format), "-map", "0:a:0",
            "-t", f"{decode_limit(info, settings):.3f}", *DOWNMIX_ARGS, "-f", "f32le", "-ac", "1", "-ar", str(sr),
            "pipe:1"]


def refuse_longer(decoded_s: float, info: AudioInfo, settings: Settings) -> None:
    """Refuse a file once it has decoded past the cap, or well past the length it declared."""
    name = info.path.name
    if decoded_s > settings.max_duration_s + DURATION_SLACK_S / 2:
        msg = (f"{name} decodes to more than the {_duration_text(settings.max_duration_s)} limit, although its "
               f"header says it is shorter. Cut it into parts or raise AUDIO_TOOLS_MAX_DURATION_S.")
        raise InputTooLargeError(msg)
    slack = _declared_slack(info)
    if slack is not None and decoded_s > info.duration + slack / 2:
        msg = (f"{name} decodes longer than its header says ({_duration_text(info.duration)}): it is damaged or "
               f"made to mislead, and was refused before decoding more. Re-encode it (which writes its true "
               f"length) and give the result.")
        raise InvalidAudioError(msg)


def checked_sample_rate(sr: int) -> int:
    """``sr`` as an int, when it is a sample rate ffmpeg handles.

    Raises:
        InvalidInputError: out of range.
    """
    if not MIN_SAMPLE_RATE <= int(sr) <= MAX_SAMPLE_RATE:
        msg = f"Sample rate {sr!r} Hz is out of range; give {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz (e.g. 16000)."
        raise InvalidInputError(msg)
    return int(sr)


def _duration_text(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.4g} h"
    if seconds >= 60:
        return f"{seconds / 60:.4g} min"
    return f"{seconds:.4g} s"


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


def _tag(section: dict[str, object], name: str) -> str | None:
    tags = section.get("tags")
    value = tags.get(name) if isinstance(tags, dict) else None
    return value.strip() or None if isinstance(value, str) else None


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None
