"""The one place that runs ffmpeg and ffprobe.

Every call is an argument list (never a shell), starts with ``-nostdin``, has a timeout, and
reads files only through :func:`input_args`: the ``file`` protocol alone, an absolute
``file:`` path, and a whitelist of audio/video container formats, so that a playlist or a
concat script renamed ``x.wav`` cannot make ffmpeg open other files or the network. MOV/MP4
external data references stay off explicitly (``-enable_drefs 0``): on every ffprobe run, and
on every ffmpeg input read with the MOV demuxer (the others refuse the option as unknown, so
ffmpeg is told the demuxer ffprobe found). Inputs opened once (:mod:`audio_tools.safe_open`)
are read as ``/dev/fd/N``, their descriptor passed with ``pass_fds``.
Graphs may be built with ffmpeg-python and turned into arguments by :func:`compile_graph`;
ffmpeg-python's own ``run`` is never used (it sets no timeout and no ``-nostdin``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audio_tools.errors import FFmpegError, InvalidAudioError

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "INPUT_FORMATS",
    "compile_graph",
    "ffmpeg_binary",
    "ffmpeg_command",
    "graph_input",
    "input_args",
    "probe_json",
    "raw_input_args",
    "run_ffmpeg",
]

DEFAULT_TIMEOUT_S = 3600.0
# Demuxers of audio and audio/video containers; no playlists (hls), scripts (concat),
# images or network formats. ffmpeg matches a demuxer whose name lists several
# ("mov,mp4,m4a,3gp,3g2,mj2") when any of them is here.
INPUT_FORMATS = (
    "wav,w64,mp3,ogg,flac,matroska,webm,mov,mp4,aac,ac3,eac3,aiff,caf,au,amr,asf,avi,"
    "wv,ape,tta,mpc,dsf,voc,gsm,alaw,mulaw,xwma,mpeg,dts,truehd,mlp"
)
STDERR_TAIL_CHARS = 2000
MOV_DEMUXER = "mov"
DREFS_OFF = ["-enable_drefs", "0"]
# ffprobe's warning when it guessed a length from the bitrate (an MP3 without a Xing header)
ESTIMATED_DURATION = "Estimating duration from bitrate"


def ffmpeg_binary(name: str = "ffmpeg") -> str:
    """The path of ``ffmpeg`` (or ``ffprobe``).

    Raises:
        FFmpegError: it is not installed.
    """
    found = shutil.which(name)
    if found is None:
        msg = (f"{name} is not installed or not on PATH. Install it (Debian/Ubuntu: "
               f"'apt-get install ffmpeg'; macOS: 'brew install ffmpeg') and try again.")
        raise FFmpegError(msg)
    return found


def input_args(path: str | Path, demuxer: str | None = None) -> list[str]:
    """Arguments that open one local file as an input, and nothing else.

    Args:
        path: an existing local file (or ``/dev/fd/N``); it is made absolute and prefixed
            with ``file:``.
        demuxer: the container ffprobe found (its ``format_name``, e.g. ``mov,mp4,m4a``):
            the input is read with that demuxer, and with ``-enable_drefs 0`` when it is MOV.
    """
    absolute = Path(path).absolute()
    args = ["-protocol_whitelist", "file", "-format_whitelist", INPUT_FORMATS]
    allowed = INPUT_FORMATS.split(",")
    name = next((n for n in (demuxer or "").split(",") if n in allowed), None)
    if name is not None:
        args += ["-f", name, *(DREFS_OFF if name == MOV_DEMUXER else [])]
    return [*args, "-i", f"file:{absolute}"]


def raw_input_args(sample_rate: int, channels: int) -> list[str]:
    """Arguments for 32-bit float PCM fed on standard input."""
    return [
        "-protocol_whitelist", "pipe",
        "-f", "f32le", "-ar", str(int(sample_rate)), "-ac", str(int(channels)),
        "-i", "pipe:0",
    ]


def run_ffmpeg(
    args: list[str],
    *,
    input: bytes | None = None,
    timeout: float | None = None,
    loglevel: str = "error",
    pass_fds: Sequence[int] = (),
) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with ``args`` and return the finished process (stdout and stderr as bytes).

    Args:
        args: everything after the program name and the fixed leading options.
        input: bytes for standard input (then ``pipe:0`` inputs read them); none closes it.
        timeout: seconds before ffmpeg is killed; :data:`DEFAULT_TIMEOUT_S` when omitted.
        loglevel: ffmpeg's ``-loglevel``; filters that report on stderr (``ebur128``,
            ``astats``) need ``info``.
        pass_fds: descriptors ffmpeg inherits, for inputs read as ``/dev/fd/N``.

    Raises:
        FFmpegError: ffmpeg is missing, timed out or exited non-zero; the message and
            ``stderr`` attribute carry what it printed.
    """
    return _run(ffmpeg_command(args, loglevel=loglevel), input=input, timeout=timeout, pass_fds=pass_fds)


def ffmpeg_command(args: list[str], *, loglevel: str = "error") -> list[str]:
    """The full ffmpeg command line for ``args``, with the fixed leading options.

    For callers that must stream ffmpeg's output themselves; everyone else uses
    :func:`run_ffmpeg`.

    Raises:
        FFmpegError: ffmpeg is not installed.
    """
    return [ffmpeg_binary(), "-nostdin", "-hide_banner", "-loglevel", loglevel, *args]


def probe_json(
    path: str | Path,
    *,
    timeout: float | None = None,
    pass_fds: Sequence[int] = (),
    name: str | None = None,
) -> dict[str, Any]:
    """ffprobe's description of one local file's container and streams.

    Besides ffprobe's ``format`` (with ``tags.creation_time`` when the container has one) and
    ``streams``, ``estimated_duration`` says whether ffprobe only guessed the length from the
    bitrate (then no decode can be bounded by it).

    Args:
        path: the file (or ``/dev/fd/N``).
        timeout: seconds before ffprobe is stopped.
        pass_fds: descriptors ffprobe inherits, for a ``/dev/fd/N`` path.
        name: the file's name in messages; the path's when omitted.

    Raises:
        InvalidAudioError: ffprobe cannot read it as a whitelisted audio/video format.
    """
    *options, _, source = input_args(path)  # ffprobe takes its input without -i
    command = [
        ffmpeg_binary("ffprobe"), "-hide_banner", "-loglevel", "warning",
        "-show_entries", "format=format_name,duration,size:format_tags=creation_time:stream=codec_type,codec_name,"
                         "sample_rate,channels,duration",
        "-of", "json", *options, *DREFS_OFF, source,
    ]
    try:
        done = _run(command, input=None, timeout=timeout, pass_fds=pass_fds)
    except FFmpegError as e:
        msg = (f"{name or Path(path).name} is not audio that can be decoded ({_first_line(e.stderr)}). "
               f"Give a WAV, MP3, FLAC, OGG, M4A or another common audio file.")
        raise InvalidAudioError(msg) from e
    data: dict[str, Any] = json.loads(done.stdout or b"{}")
    data["estimated_duration"] = ESTIMATED_DURATION in done.stderr.decode(errors="replace")
    return data


def graph_input(path: str | Path, **options: Any) -> Any:
    """An ffmpeg-python input for one local file, opened with the same whitelists as :func:`input_args`.

    Args:
        path: an existing local file.
        **options: further per-input options, e.g. ``stream_loop=-1``.
    """
    import ffmpeg

    *pairs, _, filename = input_args(path)
    whitelists = {pairs[i].lstrip("-"): pairs[i + 1] for i in range(0, len(pairs), 2)}
    return ffmpeg.input(filename, **whitelists, **options)


def compile_graph(stream: Any) -> list[str]:
    """Arguments of an ffmpeg-python graph, without the program name.

    Every input of the graph must come from :func:`graph_input`, so that each ``-i`` is an
    absolute ``file:`` path preceded by its own protocol and format whitelists.
    """
    args: list[str] = stream.compile(cmd="ffmpeg")
    return args[1:]


def _run(
    command: list[str], *, input: bytes | None, timeout: float | None, pass_fds: Sequence[int] = ()
) -> subprocess.CompletedProcess[bytes]:
    limit = DEFAULT_TIMEOUT_S if timeout is None else timeout
    try:
        done = subprocess.run(  # noqa: S603 - an argument list built here, no shell
            command,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=limit,
            check=False,
            shell=False,
            pass_fds=tuple(pass_fds),
        )
    except subprocess.TimeoutExpired as e:
        stderr = (e.stderr or b"").decode(errors="replace")[-STDERR_TAIL_CHARS:]
        msg = f"{Path(command[0]).name} took longer than {limit:g} s and was stopped; try a shorter input."
        raise FFmpegError(msg, stderr) from e
    except OSError as e:
        msg = f"Could not start {command[0]}: {e}. Check that ffmpeg is installed and runnable."
        raise FFmpegError(msg) from e
    if done.returncode != 0:
        stderr = done.stderr.decode(errors="replace")[-STDERR_TAIL_CHARS:]
        msg = f"{Path(command[0]).name} failed (exit {done.returncode}): {stderr.strip() or 'no message'}"
        raise FFmpegError(msg, stderr)
    return done


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no details"
