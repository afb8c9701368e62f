"""Instrument sounds for the offline synthesizer: additive tones with envelopes, drums, a room.

Tonal instruments are one-cycle wavetables built from harmonic amplitudes, read at the
note's frequency (with optional detuned double and vibrato) and shaped by an
attack/decay/sustain/release envelope; plucked and struck instruments add a brighter
layer that fades quickly, and lower notes ring longer. Drums are synthesised once per
seed from sine sweeps and band-limited noise. The room is a decaying noise impulse response.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["TIMBRES", "Timbre", "drum_kit", "midi_to_hz", "render_note", "room_response"]

TABLE_SIZE = 4096
VIBRATO_HZ = 5.0
VIBRATO_DELAY_S = 0.25


@dataclass(frozen=True)
class Timbre:
    """How one tonal instrument sounds.

    Attributes:
        partials: amplitudes of harmonics 1, 2, 3, … of the sustained tone.
        gain: level in the band.
        attack_s: time to full level.
        decay_s: time constant of the fall from full level toward ``sustain``.
        sustain: level held while the note lasts (0 for plucked or struck sounds).
        release_s: fade to silence after the note ends.
        detune_cents: a second copy this much sharper, for width (0 = none).
        vibrato: depth as a fraction of the frequency (0 = none).
        bright_partials: harmonics of an attack layer that fades within ``bright_s``.
        bright_s: time constant of that layer.
        ring_by_pitch: lower notes ring longer (pianos, guitars).
    """

    partials: tuple[float, ...]
    gain: float
    attack_s: float
    decay_s: float
    sustain: float
    release_s: float
    detune_cents: float = 0.0
    vibrato: float = 0.0
    bright_partials: tuple[float, ...] = ()
    bright_s: float = 0.1
    ring_by_pitch: bool = False


TIMBRES: dict[str, Timbre] = {
    "piano": Timbre((1, 0.4, 0.15, 0.06, 0.03), 0.17, 0.004, 1.1, 0.0, 0.15,
                    bright_partials=(1, 0.8, 0.55, 0.4, 0.28, 0.18, 0.1, 0.06), bright_s=0.12,
                    ring_by_pitch=True),
    "strings": Timbre(tuple(0.9 ** k / (k + 1) for k in range(10)), 0.2, 0.35, 1.5, 0.85, 0.6,
                      detune_cents=7.0, vibrato=0.003),
    "pad": Timbre((1, 0.45, 0.2, 0.1, 0.05), 0.25, 0.9, 2.0, 0.8, 1.2, detune_cents=9.0),
    "organ": Timbre((1, 0.7, 0.0, 0.45, 0.0, 0.0, 0.0, 0.25), 0.16, 0.02, 0.5, 0.9, 0.1),
    "guitar": Timbre((1, 0.5, 0.3, 0.18, 0.1, 0.05), 0.2, 0.003, 0.7, 0.0, 0.1,
                     bright_partials=(1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1), bright_s=0.05,
                     ring_by_pitch=True),
    "bass": Timbre((1, 0.45, 0.18, 0.07), 0.38, 0.008, 0.5, 0.55, 0.08),
    "flute": Timbre((1, 0.25, 0.08, 0.03), 0.25, 0.06, 0.4, 0.85, 0.15, vibrato=0.004),
    "bells": Timbre((1, 0.0, 0.0, 0.45, 0.0, 0.0, 0.0, 0.2), 0.27, 0.002, 1.0, 0.0, 0.4,
                    bright_partials=(1, 0.0, 0.3, 0.5, 0.0, 0.3, 0.0, 0.25, 0.0, 0.15), bright_s=0.2),
}


def midi_to_hz(pitch: float) -> float:
    """Frequency of a MIDI pitch (69 = A4 = 440 Hz)."""
    return 440.0 * 2.0 ** ((pitch - 69.0) / 12.0)


def render_note(timbre: Timbre, pitch: float, duration_s: float, sr: int) -> np.ndarray:
    """One note at full velocity, including its release tail, as float64 samples."""
    length = max(1, round((duration_s + timbre.release_s) * sr))
    t = np.arange(length) / sr
    freq = midi_to_hz(pitch)
    if timbre.vibrato:
        depth = timbre.vibrato * np.clip(t / VIBRATO_DELAY_S - 1.0, 0.0, 1.0)
        phase = np.cumsum(freq * (1.0 + depth * np.sin(2 * np.pi * VIBRATO_HZ * t))) / sr
    else:
        phase = freq * t
    wave = _tone(timbre.partials, phase, freq, sr)
    if timbre.detune_cents:
        ratio = 2.0 ** (timbre.detune_cents / 1200.0)
        wave = 0.5 * (wave + _tone(timbre.partials, phase * ratio + 0.31, freq * ratio, sr))
    if timbre.bright_partials:
        wave = wave + _tone(timbre.bright_partials, phase, freq, sr) * np.exp(-t / timbre.bright_s)
    return wave * _envelope(timbre, t, duration_s, pitch) * timbre.gain


def _envelope(timbre: Timbre, t: np.ndarray, duration_s: float, pitch: float) -> np.ndarray:
    decay = timbre.decay_s
    if timbre.ring_by_pitch:
        decay *= float(np.clip(2.0 ** (-(pitch - 60.0) / 24.0), 0.4, 2.5))
    attack = np.clip(t / timbre.attack_s, 0.0, 1.0)
    level = timbre.sustain + (1.0 - timbre.sustain) * np.exp(-np.maximum(t - timbre.attack_s, 0.0) / decay)
    release = np.clip(1.0 - (t - duration_s) / timbre.release_s, 0.0, 1.0)
    return attack * level * release


_TABLES: dict[tuple[float, ...], np.ndarray] = {}


def _table(partials: tuple[float, ...]) -> np.ndarray:
    """One cycle (closed: last sample = first) of the harmonic sum, peak-normalised."""
    table = _TABLES.get(partials)
    if table is None:
        x = np.linspace(0.0, 1.0, TABLE_SIZE + 1)
        harmonics = np.arange(1, len(partials) + 1)[:, None]
        table = np.asarray(partials) @ np.sin(2 * np.pi * harmonics * x)
        table /= np.max(np.abs(table))
        _TABLES[partials] = table
    return table


_GRID = np.linspace(0.0, 1.0, TABLE_SIZE + 1)


def _tone(partials: tuple[float, ...], phase: np.ndarray, freq: float, sr: int) -> np.ndarray:
    if freq * len(partials) >= sr / 2:  # a note this high would alias: play it as a pure tone
        partials = (1.0,)
    return np.interp(np.mod(phase, 1.0), _GRID, _table(partials))


def _noise(rng: np.random.Generator, n: int, sr: int, low_hz: float, high_hz: float) -> np.ndarray:
    """White noise band-limited to ``low_hz``–``high_hz`` with soft edges, peak 1."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / sr)
    spectrum *= 1.0 / (1.0 + (low_hz / np.maximum(f, 1.0)) ** 4) / (1.0 + (f / high_hz) ** 4)
    noise = np.fft.irfft(spectrum, n)
    return noise / np.max(np.abs(noise))


def drum_kit(sr: int, seed: int) -> dict[str, np.ndarray]:
    """Kick, snare, closed and open hi-hat and a low tom, each peak 1."""
    rng = np.random.default_rng([seed, 1])

    def sweep(length_s: float, base_hz: float, drop_hz: float, drop_s: float, decay_s: float) -> np.ndarray:
        t = np.arange(int(length_s * sr)) / sr
        phase = np.cumsum(base_hz + drop_hz * np.exp(-t / drop_s)) / sr
        return np.sin(2 * np.pi * phase) * np.exp(-t / decay_s)

    def burst(length_s: float, low_hz: float, high_hz: float, decay_s: float) -> np.ndarray:
        n = int(length_s * sr)
        return _noise(rng, n, sr, low_hz, high_hz) * np.exp(-np.arange(n) / sr / decay_s)

    kick = sweep(0.4, 46.0, 110.0, 0.03, 0.15) + 0.15 * burst(0.4, 1000.0, 6000.0, 0.004)
    snare = 0.55 * sweep(0.25, 180.0, 40.0, 0.02, 0.05) + burst(0.25, 1500.0, 9000.0, 0.06)
    kit = {
        "kick": kick,
        "snare": snare,
        "hat": burst(0.08, 7000.0, 14000.0, 0.015),
        "open_hat": burst(0.35, 6000.0, 14000.0, 0.09),
        "tom": sweep(0.5, 85.0, 45.0, 0.05, 0.22),
    }
    for name, sound in kit.items():
        fade_out = np.clip((len(sound) - np.arange(len(sound))) / (0.01 * sr), 0.0, 1.0)
        kit[name] = sound * fade_out / np.max(np.abs(sound))
    return kit


def room_response(sr: int, seed: int, decay_s: float = 0.28, length_s: float = 1.6) -> np.ndarray:
    """A small hall: 12 ms pre-delay, then exponentially decaying darkened noise; unit energy."""
    rng = np.random.default_rng([seed, 2])
    n = int(length_s * sr)
    tail = _noise(rng, n, sr, 120.0, 5000.0) * np.exp(-np.arange(n) / sr / decay_s)
    ir = np.concatenate([np.zeros(int(0.012 * sr)), tail])
    return ir / np.sqrt(np.sum(ir**2))
