"""Bar-by-bar notes for the offline synthesizer: chords voiced, figures, bass lines, drums, melody.

Every bar is four beats. Sustaining instruments (pad, strings, organ) hold each chord;
piano and guitar play the plan's figure (rolling arpeggios, syncopated block chords or
strums, or long stabs); the bass follows the drum pattern's feel on the chord root and
fifth; flute and bells share a melody of chord tones on strong beats and scale steps
between, phrased in four-bar groups. Onsets and velocities are humanised a little.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from audio_tools.music.synth_plan import MusicPlan

__all__ = ["DRUM_SOUNDS", "Arranger", "Event"]

BEATS_PER_BAR = 4
STEPS_PER_BEAT = 4
HUMANIZE_S = 0.008
MELODY_LOW, MELODY_HIGH = 67, 86

Pattern = tuple[tuple[int, float], ...]  # (sixteenth step, velocity)
DRUM_PATTERNS: dict[str, dict[str, Pattern]] = {
    "pop": {"kick": ((0, 1.0), (8, 0.9), (10, 0.6)), "snare": ((4, 0.9), (12, 0.9)),
            "hat": tuple((s, 0.7 if s % 4 == 0 else 0.5) for s in range(0, 16, 2))},
    "driving": {"kick": ((0, 1.0), (4, 0.9), (8, 1.0), (12, 0.9)), "snare": ((4, 0.9), (12, 0.9)),
                "hat": ((0, 0.6), (4, 0.6), (8, 0.6), (12, 0.6)),
                "open_hat": ((2, 0.45), (6, 0.45), (10, 0.45), (14, 0.45))},
    "soft": {"kick": ((0, 0.7), (8, 0.5)), "snare": ((12, 0.35),),
             "hat": ((0, 0.35), (4, 0.3), (8, 0.35), (12, 0.3))},
    "epic": {"kick": ((0, 1.0), (3, 0.7), (8, 1.0), (11, 0.7)), "snare": ((4, 0.8), (12, 1.0)),
             "tom": ((7, 0.5), (15, 0.6))},
    "sparse": {"kick": ((0, 0.8),), "tom": ((10, 0.5),), "hat": ((8, 0.25),)},
}
FILLS: dict[str, dict[str, Pattern]] = {
    "pop": {"snare": ((13, 0.5), (14, 0.6), (15, 0.7))},
    "driving": {"snare": ((13, 0.5), (14, 0.6), (15, 0.7))},
    "epic": {"tom": ((12, 0.7), (13, 0.7), (14, 0.8), (15, 0.9))},
}
DRUM_SOUNDS = ("kick", "snare", "hat", "open_hat", "tom")

Figure = tuple[tuple[float, float, float], ...]  # (beat, length in beats, velocity)
BLOCK: Figure = ((0.0, 1.4, 0.9), (1.5, 0.9, 0.7), (2.5, 0.4, 0.6), (3.0, 0.9, 0.75))
STABS: Figure = ((0.0, 1.9, 1.0), (2.0, 1.4, 0.85), (3.5, 0.45, 0.7))
STRUM: Figure = ((0.0, 0.9, 0.9), (1.0, 0.4, 0.6), (1.5, 0.9, 0.7), (2.5, 0.4, 0.6), (3.0, 0.9, 0.8),
                 (3.5, 0.4, 0.6))
ARPEGGIO_ORDER = (0, 2, 3, 4, 5, 4, 3, 2)  # indices into the rising chord tones, one per eighth
STRUM_SPREAD_S = 0.012

# (beat, length in beats, velocity, 0 = root / 1 = fifth)
BASS_LINES: dict[str, tuple[tuple[float, float, float, int], ...]] = {
    "soft": ((0.0, 1.9, 1.0, 0), (2.0, 1.9, 0.8, 1)),
    "sparse": ((0.0, 3.8, 1.0, 0),),
    "pop": ((0.0, 1.4, 1.0, 0), (1.5, 0.4, 0.7, 0), (2.0, 1.4, 0.9, 1), (3.5, 0.4, 0.7, 0)),
    "driving": tuple((b * 0.5, 0.45, 0.9 if b % 2 == 0 else 0.7, 0) for b in range(8)),
    "epic": ((0.0, 1.4, 1.0, 0), (1.5, 0.4, 0.8, 0), (2.0, 1.9, 0.95, 0)),
}
CENTERS = {"pad": 60, "organ": 60, "strings": 62, "piano": 62, "guitar": 57}


@dataclass(frozen=True)
class Event:
    """One note or drum hit.

    Attributes:
        time_s: onset from the start of the piece.
        instrument: a timbre name or a drum sound.
        pitch: MIDI pitch (unused for drums).
        duration_s: how long it is held (drums ring out on their own).
        velocity: 0–1.
    """

    time_s: float
    instrument: str
    pitch: float
    duration_s: float
    velocity: float


class Arranger:
    """Produces the events of each bar in order; bars must be requested 0, 1, 2, …

    Args:
        plan: what to play.
        seed: randomness for humanising and the melody.
    """

    def __init__(self, plan: MusicPlan, seed: int) -> None:
        self.plan = plan
        self.seed = seed
        self._melody_pitch = MELODY_LOW + 5 + plan.tonic

    def bar(self, index: int) -> list[Event]:
        """The events whose onsets fall in bar ``index``."""
        plan = self.plan
        bar = _Bar(index * BEATS_PER_BAR * plan.beat_s, plan.beat_s, np.random.default_rng([self.seed, 3, index]))
        chord = plan.chord(index)
        for instrument in plan.band:
            if instrument in ("pad", "strings", "organ"):
                if index % plan.bars_per_chord == 0:
                    pitches = _voicing(chord, plan.tonic, CENTERS[instrument])
                    if instrument == "strings":
                        pitches = [_nearest(plan.tonic + chord[0], 48), *pitches]
                    for p in pitches:
                        bar.add(instrument, 0.0, p, BEATS_PER_BAR * plan.bars_per_chord - 0.1, 0.8, jitter=False)
            elif instrument in ("piano", "guitar"):
                self._figure(bar, instrument, chord)
            elif instrument == "bass":
                root = _nearest(plan.tonic + chord[0], 40, low=34)
                for beat, beats, velocity, fifth in BASS_LINES[plan.drums]:
                    bar.add("bass", beat, root + 7 * fifth, beats, velocity, jitter=False)
            elif instrument == "drums":
                fills = FILLS.get(plan.drums, {}) if index % 4 == 3 else {}
                for sound, hits in {**DRUM_PATTERNS[plan.drums], **fills}.items():
                    for step, velocity in hits:
                        bar.add(sound, step / STEPS_PER_BEAT, 0.0, 0.0, velocity)
        if "flute" in plan.band or "bells" in plan.band:
            for beat, pitch, beats in self._melody(index, chord, bar.rng):
                for instrument in ("flute", "bells"):
                    if instrument in plan.band:
                        bar.add(instrument, beat, pitch, beats, 0.8)
        return bar.events

    def _figure(self, bar: _Bar, instrument: str, chord: tuple[int, ...]) -> None:
        plan = self.plan
        if plan.figure == "arpeggio":
            root = _nearest(plan.tonic + chord[0], 50 if instrument == "piano" else 57)
            rising = [root + s - chord[0] for s in chord] + [root + 12 + s - chord[0] for s in chord]
            for i, k in enumerate(ARPEGGIO_ORDER):
                bar.add(instrument, 0.5 * i, rising[k], 1.5, 0.75 if i % 2 else 0.9)
            return
        pitches = _voicing(chord, plan.tonic, CENTERS[instrument])
        if instrument == "guitar":
            pitches = [pitches[0] - 12, *pitches, pitches[0] + 12]
            figure = STRUM
        else:
            figure = STABS if plan.figure == "stabs" else BLOCK
            if plan.figure == "stabs":
                pitches = [pitches[0] - 12, *pitches]
        for n, (beat, beats, velocity) in enumerate(figure):
            up = instrument == "guitar" and n % 2 == 1  # up-strokes start from the top string
            for i, p in enumerate(reversed(pitches) if up else pitches):
                spread = i * STRUM_SPREAD_S / plan.beat_s if instrument == "guitar" else 0.0
                bar.add(instrument, beat + spread, p, beats, velocity * (0.8 if up else 1.0))

    def _melody(self, index: int, chord: tuple[int, ...], rng: np.random.Generator
                ) -> list[tuple[float, float, float]]:
        """(beat, pitch, length in beats) of the melody notes in this bar."""
        plan = self.plan
        scale = [p for p in range(MELODY_LOW, MELODY_HIGH + 1) if (p - plan.tonic) % 12 in plan.scale]
        tones = [p for p in scale if (p - plan.tonic) % 12 in {s % 12 for s in chord}]
        notes: list[tuple[float, float, float]] = []
        beats = (0,) if index % 4 == 3 else (0, 1, 2, 3)
        for beat in beats:
            if beat % 2 == 0:
                near = sorted(tones, key=lambda p: abs(p - self._melody_pitch))[:2]
                pitch = near[int(rng.integers(0, len(near)))]
            elif rng.random() < 0.6:
                i = min(range(len(scale)), key=lambda j: abs(scale[j] - self._melody_pitch))
                pitch = scale[int(np.clip(i + rng.choice((-2, -1, 1, 2)), 0, len(scale) - 1))]
            else:
                continue
            self._melody_pitch = pitch
            notes.append((float(beat), float(pitch), 3.0 if len(beats) == 1 else 0.95))
        return notes


@dataclass
class _Bar:
    """The events of one bar being written."""

    start_s: float
    beat_s: float
    rng: np.random.Generator
    events: list[Event] = field(default_factory=list)

    def add(self, instrument: str, beat: float, pitch: float, beats: float, velocity: float, *,
            jitter: bool = True) -> None:
        shift = self.rng.uniform(0.0, HUMANIZE_S) if jitter else 0.0
        self.events.append(Event(self.start_s + beat * self.beat_s + shift, instrument, pitch,
                                 beats * self.beat_s, velocity * self.rng.uniform(0.9, 1.05)))


def _nearest(pitch_class: int, center: int, low: int | None = None) -> int:
    """The pitch of ``pitch_class`` nearest ``center`` (and not below ``low``)."""
    pitch = center + ((pitch_class - center + 6) % 12) - 6
    return pitch + 12 if low is not None and pitch < low else pitch


def _voicing(chord: tuple[int, ...], tonic: int, center: int) -> list[int]:
    """Chord tones each placed in the octave nearest ``center``, low to high."""
    return sorted(_nearest(tonic + s, center) for s in chord)
