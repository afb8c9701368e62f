"""Meters for judging results: word error rate, EBU R128 loudness and a bass-band level.

:func:`normalise_words` and :func:`wer` are the acceptance criteria's definitions (lower-case
words of letters, digits and apostrophes; Levenshtein distance over words divided by the
reference length). :func:`loudness` and :func:`band_rms_db` read what ffmpeg's ``ebur128``
and ``astats`` filters print, through :func:`audio_tools.ffmpeg.run_ffmpeg`.
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
    "band_rms_db",
    "ebur128_summary",
    "integrated_loudness",
    "loudness",
    "normalise_words",
    "wer",
]

# framelog=verbose keeps the ten-per-second progress lines out of an info-level log, leaving
# the summary printed when the filter closes.
EBUR128_FILTER = "ebur128=peak=true:framelog=verbose"
INTEGRATED_FILTER = "ebur128=framelog=verbose"  # no true peak: four times faster
MIN_LOWPASS_HZ = 10.0
MIN_WINDOW_S = 0.001
MAX_LOWPASS_HZ = 20000.0
_WORD = re.compile(r"[a-z0-9']+")
_INTEGRATED = re.compile(r"I:\s+(-?[\d.]+|-inf) LUFS")
_PEAK = re.compile(r"Peak:\s+(-?[\d.]+|-inf) dBFS")
_RMS_LEVEL = re.compile(r"RMS level dB:\s+(-?[\d.]+|-inf)")


def normalise_words(text: str) -> list[str]:
    """The words of ``text`` as the acceptance criteria count them: lower case, ``[a-z0-9']+``."""
    return _WORD.findall(text.lower())


def wer(ref: str, hyp: str) -> float:
    """Word error rate of ``hyp`` against ``ref`` (both normalised by :func:`normalise_words`).

    Returns:
        (substitutions + deletions + insertions) / number of reference words; the number of
        hypothesis words when the reference is empty.
    """
    r, h = normalise_words(ref), normalise_words(hyp)
    row = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(h) + 1):
            best = min(row[j] + 1, row[j - 1] + 1, diagonal + (r[i - 1] != h[j - 1]))
            diagonal, row[j] = row[j], best
    return row[len(h)] / max(1, len(r))


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


def integrated_loudness(path: str | os.PathLike[str], *, settings: Settings | None = None) -> float:
    """EBU R128 integrated loudness (LUFS) of a whole file, without the slower true-peak meter.

    Raises:
        InvalidInputError: no such file.
        FFmpegError: the file does not decode.
    """
    args = [*input_args(_existing(path)), "-map", "0:a:0", "-af", INTEGRATED_FILTER, "-f", "null", "-"]
    lufs, _ = ebur128_summary(_stderr_of(args, settings))
    return lufs


def band_rms_db(
    path: str | os.PathLike[str],
    start: float,
    dur: float,
    lowpass_hz: float = 100.0,
    *,
    settings: Settings | None = None,
) -> float:
    """RMS level (dBFS) of the part of the signal below ``lowpass_hz`` in ``[start, start + dur]``.

    Two 2-pole low-pass filters in series isolate a bass-only music bed, which speech barely
    reaches, so its level can be read under a voice.

    Raises:
        InvalidInputError: no such file, or numbers out of range.
        FFmpegError: the file does not decode.
    """
    cutoff = checked_number("lowpass_hz", lowpass_hz, MIN_LOWPASS_HZ, MAX_LOWPASS_HZ, unit=" Hz")
    band = f"lowpass=f={filter_number(cutoff, 3)}"
    chain = f"{band},{band},astats=measure_overall=RMS_level:measure_perchannel=none"
    args = [*_window_args(start, dur), *input_args(_existing(path)), "-map", "0:a:0",
            "-af", chain, "-f", "null", "-"]
    stderr = _stderr_of(args, settings)
    levels = _RMS_LEVEL.findall(stderr)
    if not levels:
        msg = "ffmpeg's astats meter printed no RMS level; check that the stretch measured holds audio."
        raise FFmpegError(msg, stderr[-2000:])
    return float(levels[-1])


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
