"""``synth[:32000|44100]``: an offline, non-neural music generator (numpy only).

The prompt's mood, tempo and instrument words become a plan (key, mode, chord
progression, tempo, band: see :mod:`audio_tools.music.synth_plan`), the plan becomes
notes bar by bar (:mod:`audio_tools.music.synth_arrange`), and the notes are rendered
with additive-synthesis instruments and synthetic drums
(:mod:`audio_tools.music.synth_voices`), a small room reverb and a soft limiter that
keeps every sample below -1 dBFS. The same prompt, duration and seed give the same
samples. Rendering goes one bar at a time, so memory does not grow with the duration
beyond the output itself, and any duration works.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from audio_tools.config import Settings
from audio_tools.errors import InvalidInputError
from audio_tools.music.base import sample_count
from audio_tools.music.synth_arrange import BEATS_PER_BAR, DRUM_SOUNDS, Arranger
from audio_tools.music.synth_plan import plan_music
from audio_tools.music.synth_voices import TIMBRES, drum_kit, render_note, room_response
from audio_tools.registry import BackendSpec
from audio_tools.results import Progress

__all__ = ["DEFAULT_SAMPLE_RATE", "SAMPLE_RATES", "SynthBackend", "make", "soft_limit"]

SAMPLE_RATES = (32000, 44100)
DEFAULT_SAMPLE_RATE = 32000
PEAK_CEILING = 10 ** (-1.05 / 20)  # a hair under -1 dBFS
LIMIT_THRESHOLD = 0.5
MASTER_GAIN = 0.9
FADE_IN_S = 0.02
FADE_OUT_S = 3.0
NOTE_CACHE_BYTES = 48_000_000
DRUM_GAINS = {"kick": 0.75, "snare": 0.42, "hat": 0.17, "open_hat": 0.13, "tom": 0.55}


def soft_limit(x: np.ndarray, threshold: float = LIMIT_THRESHOLD, ceiling: float = PEAK_CEILING) -> np.ndarray:
    """Leave samples under ``threshold`` alone and bend the rest smoothly below ``ceiling``."""
    magnitude = np.abs(x)
    over = magnitude > threshold
    room = ceiling - threshold
    limited = np.where(over, threshold + room * np.tanh((magnitude - threshold) / room), magnitude)
    return np.sign(x) * limited


class SynthBackend:
    """The offline generator.

    Args:
        sample_rate: 32000 or 44100.
    """

    def __init__(self, sample_rate: int = DEFAULT_SAMPLE_RATE) -> None:
        if sample_rate not in SAMPLE_RATES:
            msg = f"The synth backend renders at 32000 or 44100 Hz, not {sample_rate}; use 'synth' or 'synth:44100'."
            raise InvalidInputError(msg)
        self.sample_rate = sample_rate
        self.name = "synth" if sample_rate == DEFAULT_SAMPLE_RATE else f"synth:{sample_rate}"

    def generate(
        self, prompt: str, duration_s: float, *, seed: int, progress: Progress | None = None
    ) -> np.ndarray:
        """Exactly ``duration_s`` of music as float32 mono samples (see the module docs)."""
        total = sample_count(duration_s, self.sample_rate)
        out = np.empty(total, dtype=np.float32)
        done = 0
        for block in self.stream(prompt, duration_s, seed=seed):
            out[done : done + len(block)] = block
            done += len(block)
            if progress is not None:
                progress(done / self.sample_rate, total / self.sample_rate)
        return out

    def stream(self, prompt: str, duration_s: float, *, seed: int) -> Iterator[np.ndarray]:
        """The same samples as :meth:`generate`, one bar (a few seconds) at a time."""
        sr = self.sample_rate
        total = sample_count(duration_s, sr)
        plan = plan_music(prompt, seed)
        arranger = Arranger(plan, seed)
        kit = drum_kit(sr, seed)
        room = room_response(sr, seed)
        notes = _NoteCache(sr)
        master = MASTER_GAIN / math.sqrt(len(plan.band))
        fade_out = min(FADE_OUT_S, 0.25 * total / sr)
        bar_samples = BEATS_PER_BAR * plan.beat_s * sr
        pending = np.zeros(0)  # dry mix from sample `done` on, including tails of ringing notes
        wet_tail = np.zeros(len(room) - 1)
        done = 0
        bar = 0
        while done < total:
            end = min(round((bar + 1) * bar_samples), total)
            for event in arranger.bar(bar):
                if event.instrument in DRUM_SOUNDS:
                    sound = kit[event.instrument] * (DRUM_GAINS[event.instrument] * event.velocity)
                else:
                    sound = notes.get(event.instrument, event.pitch, event.duration_s) * event.velocity
                offset = round(event.time_s * sr) - done
                if offset + len(sound) > len(pending):
                    pending = np.concatenate([pending, np.zeros(offset + len(sound) - len(pending))])
                pending[offset : offset + len(sound)] += sound
            if len(pending) < end - done:
                pending = np.concatenate([pending, np.zeros(end - done - len(pending))])
            dry, pending = pending[: end - done], pending[end - done :]
            wet, wet_tail = _convolve(dry, room, wet_tail)
            mix = (dry + plan.reverb * wet) * master
            mix *= _fades(done, end, total, sr, fade_out)
            yield soft_limit(mix).astype(np.float32)
            done = end
            bar += 1


class _NoteCache:
    """Rendered notes at velocity 1, reused: loops repeat the same pitches and lengths."""

    def __init__(self, sr: int) -> None:
        self.sr = sr
        self._notes: dict[tuple[str, float, float], np.ndarray] = {}
        self._bytes = 0

    def get(self, instrument: str, pitch: float, duration_s: float) -> np.ndarray:
        key = (instrument, pitch, duration_s)
        note = self._notes.get(key)
        if note is None:
            note = render_note(TIMBRES[instrument], pitch, duration_s, self.sr).astype(np.float32)
            if self._bytes + note.nbytes > NOTE_CACHE_BYTES:  # keeps memory bounded on long pieces
                self._notes.clear()
                self._bytes = 0
            self._notes[key] = note
            self._bytes += note.nbytes
        return note


def _convolve(block: np.ndarray, ir: np.ndarray, tail: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overlap-add convolution: this block's output and the tail carried into the next."""
    n = len(block) + len(ir) - 1
    size = 1 << (n - 1).bit_length()
    full = np.fft.irfft(np.fft.rfft(block, size) * np.fft.rfft(ir, size), size)[:n]
    full[: len(tail)] += tail
    return full[: len(block)], full[len(block) :]


def _fades(start: int, end: int, total: int, sr: int, fade_out_s: float) -> np.ndarray:
    """Gains for samples ``start:end`` of a piece of ``total`` samples: fade in, fade out."""
    index = np.arange(start, end)
    fade_in = np.clip(index / (FADE_IN_S * sr), 0.0, 1.0)
    fade_out = np.clip((total - 1 - index) / max(fade_out_s * sr, 1.0), 0.0, 1.0)
    return fade_in * np.sin(0.5 * np.pi * fade_out)


def make(spec: BackendSpec, settings: Settings) -> SynthBackend:
    """Registry factory for ``synth[:32000|44100]``."""
    if spec.model is None:
        return SynthBackend()
    try:
        rate = int(spec.model)
    except ValueError:
        rate = 0
    if rate not in SAMPLE_RATES:
        msg = f"Unknown synth option {spec.model!r}; use 'synth' (32 kHz) or 'synth:44100'."
        raise InvalidInputError(msg)
    return SynthBackend(rate)
