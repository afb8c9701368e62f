"""Speech over a music bed, mixed so that the voice stays clear.

The mix is a measurement of each input and two ffmpeg runs over the audio:

1. The inputs' integrated loudness is measured (``ebur128``).
2. *Premix*: the voice is brought to ``target_lufs`` and delayed by the intro; the music is
   looped or trimmed to intro + speech + outro, set ``music_gain_db`` relative to the voice,
   faded in and out, and ducked under the voice by sidechain compressors keyed by the voice
   itself (started a moment early, released slowly, so the bed does not pump between
   words): by ``duck_db`` overall, and by ``voice_band_duck_db`` more in 300 Hz–4 kHz, where
   music masks speech most. Each compressor's dry/wet ``mix`` caps its duck: the bed is
   lowered, never muted. Voice and bed are summed by ``amix`` without normalisation and the
   sum is measured by ``ebur128`` in the same pass.
3. *Master*: one gain brings the premix to ``target_lufs``, an oversampled limiter holds
   true peaks under ``true_peak_db``, and the result is encoded in the output's format and
   metered (on its way to a lossless encoder; decoded again after a lossy one). In the rare
   case the limiter or a lossy encoder left it out of tolerance, the master is rendered
   again with a correction.

Graphs are built with ffmpeg-python and run by :func:`audio_tools.ffmpeg.run_ffmpeg`; every
number placed in them is range-checked and formatted here, and no caller text enters them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audio_tools.aio import in_thread
from audio_tools.config import Settings
from audio_tools.decode import AudioInfo
from audio_tools.errors import (
    FFmpegError,
    InputTooLargeError,
    InvalidAudioError,
    InvalidInputError,
    OperationCancelledError,
)
from audio_tools.ffmpeg import compile_graph, graph_input, run_ffmpeg
from audio_tools.metrics import ebur128_summary, integrated_loudness, loudness
from audio_tools.mix_options import MAX_RATE, MixOptions
from audio_tools.numbers import decibels_to_gain, filter_number
from audio_tools.output_cap import check_output_length
from audio_tools.outputs import LOSSLESS_SUFFIXES, check_output_path, check_written, encoder_args
from audio_tools.private_copy import Decoded, decoded_copy
from audio_tools.results import AudioFile
from audio_tools.safe_open import OpenedFile
from audio_tools.workspace import atomic_output

__all__ = ["MIX_BACKEND", "MixOptions", "MixResult", "amix_speech_over_music", "check_output_path",
           "mix_speech_over_music"]

MIX_BACKEND = "ffmpeg"
Source = str | os.PathLike[str] | OpenedFile  # an input: a path, or a file opened once

AUTO_RATE_RANGE = (16000, 48000)  # the working rate follows the inputs within this range
SILENCE_LUFS = -69.0  # ebur128 reports -70 when every block is under its absolute gate

# Ducking: a hard-ratio compressor keyed by the voice, driven far past its threshold so its
# own gain falls to about -38 dB; the dry share of its dry/wet mix is then the bed's level.
KEY_LEAD_S = 0.15  # the bed starts ducking this long before the voice
KEY_LEVEL_LUFS = -4.0  # the key is raised to this loudness, whatever target_lufs is
DUCK_THRESHOLD = 0.01
DUCK_RATIO = 20
DUCK_ATTACK_MS = 20
DUCK_RELEASE_MS = 600
VOICE_BAND_SPLIT = "300 4000"  # Hz: acrossover's bands are below, between and above these

# Mastering
OVERSAMPLE_LOW_RATES = 4  # the limiter runs at this multiple of rates under HIGH_RATE...
OVERSAMPLE_HIGH_RATES = 2  # ... and at this one from HIGH_RATE up (the result is measured anyway)
HIGH_RATE = 32000
LIMITER_ATTACK_MS = 5
LIMITER_RELEASE_MS = 50
LIMITER_MARGIN_DB = 0.3  # under the true-peak ceiling, for the resampling back down...
LOSSY_MARGIN_DB = 1.0  # ... and more for lossy encoders, which add peaks of their own
LOUDNESS_TOLERANCE_LU = 0.5
MAX_MASTER_RENDERS = 4


@dataclass(frozen=True)
class MixResult(AudioFile):
    """A finished mix and what was measured on the file written.

    Attributes:
        path: the file written.
        duration_s: its length (intro + speech + outro).
        sample_rate: its sample rate.
        backend: ``ffmpeg``.
        integrated_lufs: its EBU R128 integrated loudness.
        true_peak_db: its true peak (dBTP).
        channels: 1, or 2 when the music is stereo.
        speech_start_s: where the voice starts (the intro's length).
        speech_end_s: where the voice ends; the outro follows.
        speech_gain_db: gain applied to the voice before the master gain.
        music_gain_db: gain applied to the music file before ducking and the master gain.
        master_gain_db: the final gain that brought the premix to the target loudness.
        renders: master renders needed (1 unless a correction was made).
    """

    integrated_lufs: float
    true_peak_db: float
    channels: int
    speech_start_s: float
    speech_end_s: float
    speech_gain_db: float
    music_gain_db: float
    master_gain_db: float
    renders: int


@dataclass(frozen=True)
class _Plan:
    """The options and what the inputs told us: everything the graphs need."""

    options: MixOptions
    speech: AudioInfo
    music: AudioInfo
    rate: int
    channels: int
    speech_gain_db: float
    music_gain_db: float

    @property
    def total_samples(self) -> int:
        return round((self.options.intro_s + self.speech.duration + self.options.outro_s) * self.rate)

    @property
    def layout(self) -> str:
        return "mono" if self.channels == 1 else "stereo"


def mix_speech_over_music(
    speech: Source,
    music: Source,
    out: str | os.PathLike[str],
    *,
    music_gain_db: float = MixOptions.music_gain_db,
    duck_db: float = MixOptions.duck_db,
    voice_band_duck_db: float = MixOptions.voice_band_duck_db,
    intro_s: float = MixOptions.intro_s,
    outro_s: float = MixOptions.outro_s,
    fade_s: float = MixOptions.fade_s,
    target_lufs: float = MixOptions.target_lufs,
    true_peak_db: float = MixOptions.true_peak_db,
    sample_rate: int | None = MixOptions.sample_rate,
    overwrite: bool = False,
    cancel: threading.Event | None = None,
    settings: Settings | None = None,
) -> MixResult:
    """Mix a voice over music: the bed plays the intro, ducks under the voice, returns for the outro.

    Args:
        speech: the voice, any audio file ffmpeg reads (mono is expected; more channels are
            mixed down), or such a file opened once
            (:meth:`~audio_tools.workspace.Workspace.open_input`).
        music: the bed; looped when shorter than intro + speech + outro, trimmed when longer.
            Each input is read once, into a private copy that the mix reads.
        out: the file to write; its suffix picks the format (wav, flac, mp3, ogg, m4a).
        music_gain_db, duck_db, voice_band_duck_db, intro_s, outro_s, fade_s, target_lufs,
            true_peak_db, sample_rate: the mix's options; each one's default, range and
            meaning are in :class:`~audio_tools.mix_options.MixOptions`.
        overwrite: replace ``out`` if it exists.
        cancel: when set, the mix stops before its next ffmpeg run and nothing is written.
        settings: caps and the ffmpeg timeout; read from the environment when omitted.

    Returns:
        What was written and measured.

    Raises:
        InvalidInputError: a number out of range (or NaN), an unknown output format, a
            missing input file, fades longer than the whole mix.
        InvalidAudioError: an input that is not audio, is silent, or decodes longer than its
            header says.
        InputTooLargeError: an input, or the mix, over the configured caps.
        OutputExistsError: ``out`` exists and ``overwrite`` is false.
        OutputWriteError: the disk is full or the write failed; nothing was saved.
        PathNotAllowedError: a URL, protocol or playlist given as a path.
        FFmpegError: ffmpeg failed.
        OperationCancelledError: ``cancel`` was set.
    """
    settings = settings if settings is not None else Settings.from_env()

    def checkpoint() -> None:
        if cancel is not None and cancel.is_set():
            msg = "The mix was cancelled; nothing was written."
            raise OperationCancelledError(msg)

    options = MixOptions(music_gain_db=music_gain_db, duck_db=duck_db, voice_band_duck_db=voice_band_duck_db,
                         intro_s=intro_s, outro_s=outro_s, fade_s=fade_s, target_lufs=target_lufs,
                         true_peak_db=true_peak_db, sample_rate=sample_rate)
    target = check_output_path(out, overwrite=overwrite)
    encoder = _encoder_options(target)
    with atomic_output(target, overwrite=overwrite) as partial, contextlib.ExitStack() as inputs:
        # each input is read once, into a private copy that every later run reads
        voice = inputs.enter_context(decoded_copy(speech, settings, max_channels=2))
        bed = inputs.enter_context(decoded_copy(music, settings, max_channels=2))
        plan = _plan(voice, bed, options, settings)
        with tempfile.TemporaryDirectory(prefix="audio_tools-mix-") as tmp:
            premix = Path(tmp) / "premix.wav"
            checkpoint()
            premix_lufs = _render_premix(plan, premix, settings)
            master_gain = plan.options.target_lufs - premix_lufs
            ceiling = plan.options.true_peak_db - _peak_margin(target)
            for renders in range(1, MAX_MASTER_RENDERS + 1):
                checkpoint()
                lufs, peak = _render_master(premix, partial, plan, master_gain, ceiling, encoder, settings)
                overshoot = peak - plan.options.true_peak_db
                loudness_error = plan.options.target_lufs - lufs
                done = overshoot <= 0 and abs(loudness_error) <= LOUDNESS_TOLERANCE_LU
                if done or renders == MAX_MASTER_RENDERS:
                    break
                if overshoot > 0:  # peaks first: the limiter works harder as it goes lower
                    ceiling -= 2 * overshoot + 0.1
                else:
                    master_gain += loudness_error
        check_written(partial, plan.total_samples / plan.rate, target.name, settings=settings)
    return MixResult(
        path=target,
        duration_s=plan.total_samples / plan.rate,
        sample_rate=plan.rate,
        backend=MIX_BACKEND,
        integrated_lufs=lufs,
        true_peak_db=peak,
        channels=plan.channels,
        speech_start_s=plan.options.intro_s,
        speech_end_s=plan.options.intro_s + plan.speech.duration,
        speech_gain_db=plan.speech_gain_db,
        music_gain_db=plan.music_gain_db,
        master_gain_db=master_gain,
        renders=renders,
    )


async def amix_speech_over_music(speech: Source, music: Source, out: str | os.PathLike[str],
                                 **options: Any) -> MixResult:
    """:func:`mix_speech_over_music` for async code: a worker thread, stopped when the task is cancelled."""
    return await in_thread(mix_speech_over_music, speech, music, out, **options)


def _plan(voice: Decoded, bed: Decoded, options: MixOptions, settings: Settings) -> _Plan:
    """Measure the inputs' private copies; check that the mix can be made from them."""
    total = options.intro_s + voice.copy.duration + options.outro_s
    if total > settings.max_duration_s:
        msg = (f"The mix would last {total / 60:.1f} min, over the {settings.max_duration_s / 60:.0f} min limit. "
               f"Shorten the speech, intro or outro, or raise AUDIO_TOOLS_MAX_DURATION_S.")
        raise InputTooLargeError(msg)
    check_output_length(total, settings.max_output_s, what="The mix (intro + speech + outro)",
                        advice="Shorten the speech, intro or outro")
    if 2 * options.fade_s > total:
        msg = (f"Fades of {options.fade_s:g} s in and out do not fit in a {total:.2f} s mix. "
               f"Give fade_s at most {total / 2:.2f}.")
        raise InvalidInputError(msg)
    speech_lufs = _audible_loudness(voice, "speech", settings)
    music_lufs = _audible_loudness(bed, "music", settings)
    rate = options.sample_rate
    if rate is None:
        low, high = AUTO_RATE_RANGE
        rate = min(max(voice.copy.sample_rate, bed.copy.sample_rate, low), high)
    return _Plan(
        options=options,
        speech=voice.copy,
        music=bed.copy,
        rate=rate,
        channels=1 if bed.copy.channels == 1 else 2,
        speech_gain_db=options.target_lufs - speech_lufs,
        music_gain_db=options.target_lufs + options.music_gain_db - music_lufs,
    )


def _audible_loudness(decoded: Decoded, role: str, settings: Settings) -> float:
    """The integrated loudness of a whole input, which must decode and be audible.

    Raises:
        InvalidAudioError: it has no samples, does not decode to the end, or is silent.
    """
    info, name = decoded.copy, decoded.source.path.name
    if not (info.duration > 0 and info.channels > 0 and info.sample_rate > 0):
        msg = (f"The {role} file {name} holds no decodable audio ({decoded.source.codec}, {info.channels} "
               f"channels, {info.duration:g} s). Give a valid audio file.")
        raise InvalidAudioError(msg)
    try:
        lufs = integrated_loudness(info.path, settings=settings)
    except FFmpegError as e:
        msg = f"The {role} file {name} could not be decoded: {e} Give a valid audio file."
        raise InvalidAudioError(msg) from e
    if not lufs > SILENCE_LUFS:
        msg = (f"The {role} file {name} is silent (or shorter than the 0.4 s loudness "
               f"meters need), so it cannot be levelled. Give audible {role}.")
        raise InvalidAudioError(msg)
    return lufs


def _render_premix(plan: _Plan, path: Path, settings: Settings) -> float:
    """Write the premix as 32-bit float WAV and return its integrated loudness."""
    import ffmpeg

    rate = plan.rate
    voice = _decoded(graph_input(plan.speech.path), rate, plan.layout)
    voice = voice.filter("volume", f"{filter_number(plan.speech_gain_db)}dB")
    intro = round(plan.options.intro_s * rate)
    loop = {"stream_loop": -1} if plan.music.duration * rate < plan.total_samples else {}
    bed = _decoded(graph_input(plan.music.path, **loop), rate, plan.layout)
    bed = bed.filter("atrim", end_sample=plan.total_samples)
    bed = bed.filter("volume", f"{filter_number(plan.music_gain_db)}dB")
    fade = round(plan.options.fade_s * rate)
    if fade > 0:
        bed = bed.filter("afade", type="in", start_sample=0, nb_samples=fade)
        bed = bed.filter("afade", type="out", start_sample=plan.total_samples - fade, nb_samples=fade)
    ducks = _ducks(bed, plan.options)
    if ducks:
        split = voice.filter_multi_output("asplit", len(ducks) + 1)
        voice = split[0]
        ducked = []
        for index, (band, depth_db) in enumerate(ducks, start=1):
            key = split[index].filter("adelay", delays=f"{max(0, intro - round(KEY_LEAD_S * rate))}S", all=1)
            ducked.append(ffmpeg.filter(
                [band, key.filter("apad")], "sidechaincompress",
                threshold=filter_number(DUCK_THRESHOLD), ratio=DUCK_RATIO,
                attack=DUCK_ATTACK_MS, release=DUCK_RELEASE_MS,
                level_sc=filter_number(decibels_to_gain(KEY_LEVEL_LUFS - plan.options.target_lufs)),
                mix=filter_number(1.0 - decibels_to_gain(-depth_db)),
            ))
        bed = _sum(ducked)
    voice = voice.filter("adelay", delays=f"{intro}S", all=1)
    mixed = _sum([bed, voice])
    metered = mixed.filter("ebur128", framelog="verbose")
    # rf64: a float WAV passes 4 GB after about 3 hours of 48 kHz stereo
    graph = ffmpeg.output(metered, f"file:{path}", acodec="pcm_f32le", format="wav", rf64="auto")
    done = run_ffmpeg(compile_graph(graph), timeout=settings.ffmpeg_timeout_s, loglevel="info")
    lufs, _ = ebur128_summary(done.stderr.decode(errors="replace"))
    return lufs


def _render_master(
    premix: Path,
    path: Path,
    plan: _Plan,
    gain_db: float,
    ceiling_db: float,
    encoder: dict[str, str],
    settings: Settings,
) -> tuple[float, float]:
    """Gain, a true-peak limiter (oversampled), the output's encoder; the result's loudness and true peak.

    Lossless output is metered on its way to the encoder; lossy output, whose peaks the
    encoder moves, is decoded and metered afterwards.
    """
    import ffmpeg

    high = min(plan.rate * (OVERSAMPLE_LOW_RATES if plan.rate < HIGH_RATE else OVERSAMPLE_HIGH_RATES), MAX_RATE)
    limit = decibels_to_gain(max(ceiling_db, -24.0))  # alimiter's floor
    stream = (
        graph_input(premix).audio
        .filter("volume", f"{filter_number(gain_db)}dB")
        .filter("aresample", high)
        .filter("alimiter", limit=filter_number(limit), attack=LIMITER_ATTACK_MS,
                release=LIMITER_RELEASE_MS, level=0, latency=1)
        .filter("aresample", plan.rate)
    )
    lossless = path.suffix.lower() in LOSSLESS_SUFFIXES
    if lossless:
        stream = stream.filter("ebur128", peak="true", framelog="verbose")
    graph = ffmpeg.output(stream, f"file:{path}", **encoder).overwrite_output()
    done = run_ffmpeg(compile_graph(graph), timeout=settings.ffmpeg_timeout_s, loglevel="info" if lossless else "error")
    if lossless:
        return ebur128_summary(done.stderr.decode(errors="replace"))
    return loudness(path, settings=settings)


def _peak_margin(target: Path) -> float:
    return LIMITER_MARGIN_DB if target.suffix.lower() in LOSSLESS_SUFFIXES else LOSSY_MARGIN_DB


def _ducks(bed: Any, options: MixOptions) -> list[tuple[Any, float]]:
    """The parts of the bed to duck and how deep: the whole bed, or its voice band deeper.

    The voice band is cut out with a Linkwitz-Riley crossover, whose bands sum back flat.
    """
    if options.voice_band_duck_db == 0:
        return [(bed, options.duck_db)] if options.duck_db > 0 else []
    bands = bed.filter_multi_output("acrossover", split=VOICE_BAND_SPLIT)
    return [(_sum([bands[0], bands[2]]), options.duck_db), (bands[1], options.duck_db + options.voice_band_duck_db)]


def _sum(streams: list[Any]) -> Any:
    """Streams added sample by sample (``amix`` without its 1/n scaling)."""
    import ffmpeg

    if len(streams) == 1:
        return streams[0]
    return ffmpeg.filter(streams, "amix", inputs=len(streams), normalize=0, duration="first")


def _decoded(stream: Any, rate: int, layout: str) -> Any:
    """The first audio stream of an input at the working rate and layout, as float samples."""
    return stream.audio.filter("aresample", rate).filter(
        "aformat", sample_fmts="flt", sample_rates=rate, channel_layouts=layout
    )


def _encoder_options(target: Path) -> dict[str, str]:
    """The encoder arguments for ``target``'s suffix as ffmpeg-python output options."""
    args = encoder_args(target)
    return {args[i].lstrip("-"): args[i + 1] for i in range(0, len(args), 2)}
