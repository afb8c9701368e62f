"""EBU R128 loudness, as mixing needs it: what ffmpeg's ``ebur128`` filter prints, read through
:func:`audio_tools.ffmpeg.run_ffmpeg`.

The evaluation meters (word error rate, a bass-band level) are test helpers, in
``tests/helpers/scoring.py``.
"""

from __future__ import annotations

import math
import os
import re

from audio_tools.config import Settings
from audio_tools.errors import FFmpegError
from audio_tools.ffmpeg import input_args, run_ffmpeg
from audio_tools.numbers import checked_number, filter_number
from audio_tools.paths import check_local_path, existing_file

__all__ = [
    "EBUR128_FILTER",
    "ebur128_summary",
    "integrated_loudness",
    "loudness",
    "momentary_loudness",
]

# framelog=verbose keeps the ten-per-second progress lines out of an info-level log, leaving
# the summary printed when the filter closes.
EBUR128_FILTER = "ebur128=peak=true:framelog=verbose"
INTEGRATED_FILTER = "ebur128=framelog=verbose"  # no true peak: four times faster
MIN_WINDOW_S = 0.001
_INTEGRATED = re.compile(r"I:\s+(-?[\d.]+|-inf) LUFS")
_PEAK = re.compile(r"Peak:\s+(-?[\d.]+|-inf) dBFS")
MOMENTARY_FILTER = "ebur128=framelog=info"  # one line per 0.1 s: t: SECONDS ... M: LUFS
_MOMENTARY = re.compile(r"\bt:\s*([\d.]+)\s.*?\bM:\s*(-?[\d.]+|-inf)")


def ebur128_summary(stderr: str) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) from the summary ``ebur128`` printed.

    ``-inf`` stands for silence (ebur128 reports -70 LUFS, its absolute gate, when
    everything was gated out).

    Raises:
        FFmpegError: there is no summary in ``stderr`` (the filter did not run to the end).
    """
    tail = stderr[stderr.rfind("Summary:"):]
    integrated = _INTEGRATED.search(tail)
    peak = _PEAK.search(tail)
    if "Summary:" not in stderr or integrated is None:
        msg = "ffmpeg's ebur128 meter printed no summary; check that the input decodes (try 'audio-agent probe')."
        raise FFmpegError(msg, stderr[-2000:])
    return float(integrated.group(1)), float(peak.group(1)) if peak else -math.inf


def loudness(
    path: str | os.PathLike[str],
    start: float | None = None,
    dur: float | None = None,
    *,
    settings: Settings | None = None,
) -> tuple[float, float]:
    """EBU R128 integrated loudness and true peak of a file, or of a stretch of it.

    Args:
        path: a local audio file.
        start: where to start, in seconds (the beginning when omitted).
        dur: how many seconds to measure (to the end when omitted).
        settings: the ffmpeg timeout; read from the environment when omitted.

    Returns:
        ``(integrated_lufs, true_peak_dbtp)``; -70 LUFS (the absolute gate) for silence.

    Raises:
        InvalidInputError: no such file, or ``start``/``dur`` not finite and in range.
        FFmpegError: the file does not decode.
    """
    args = [*_window_args(start, dur), *input_args(_existing(path)), "-map", "0:a:0",
            "-af", EBUR128_FILTER, "-f", "null", "-"]
    return ebur128_summary(_stderr_of(args, settings))


def momentary_loudness(
    path: str | os.PathLike[str], *, settings: Settings | None = None
) -> list[tuple[float, float]]:
    """EBU R128 momentary loudness (400 ms window) of a file, every 0.1 s.

    Returns:
        ``(seconds, lufs)`` pairs in time order; ebur128 reports -120.7 LUFS until its first
        full window and for digital silence.

    Raises:
        InvalidInputError: no such file.
        FFmpegError: the file does not decode.
    """
    args = [*input_args(_existing(path)), "-map", "0:a:0", "-af", MOMENTARY_FILTER, "-f", "null", "-"]
    return [(float(t), float(m)) for t, m in _MOMENTARY.findall(_stderr_of(args, settings))]


def integrated_loudness(path: str | os.PathLike[str], *, settings: Settings | None = None) -> float:
    """EBU R128 integrated loudness (LUFS) of a whole file, without the slower true-peak meter.

    Raises:
        InvalidInputError: no such file.
        FFmpegError: the file does not decode.
    """
    args = [*input_args(_existing(path)), "-map", "0:a:0", "-af", INTEGRATED_FILTER, "-f", "null", "-"]
    lufs, _ = ebur128_summary(_stderr_of(args, settings))
    return lufs


def _stderr_of(args: list[str], settings: Settings | None) -> str:
    settings = settings if settings is not None else Settings.from_env()
    done = run_ffmpeg(args, timeout=settings.ffmpeg_timeout_s, loglevel="info")
    return done.stderr.decode(errors="replace")


def _existing(path: str | os.PathLike[str]) -> str:
    return str(existing_file(check_local_path(path)))


def _window_args(start: float | None, dur: float | None) -> list[str]:
    args: list[str] = []
    if start is not None:
        args += ["-ss", filter_number(checked_number("start", start, 0.0, math.inf, unit=" s"))]
    if dur is not None:
        args += ["-t", filter_number(checked_number("dur", dur, MIN_WINDOW_S, math.inf, unit=" s"))]
    return args
