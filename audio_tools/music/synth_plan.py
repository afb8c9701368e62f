"""Turn a music prompt into a plan for the offline synthesizer: key, chords, tempo, band.

The prompt is read word by word (case-insensitive; anything else is ignored):

=========  ==========================================================================
words      effect
=========  ==========================================================================
mood       ``happy`` (also cheerful, joyful, bright, uplifting, playful, sunny, fun):
           major key, I–V–vi–IV, 116 bpm, piano + bass + drums + guitar.
           ``sad`` (melancholy, melancholic, sorrowful, somber, nostalgic, lonely, tragic):
           natural minor, i–VI–III–VII, 70 bpm, piano arpeggios + strings + bass.
           ``calm`` (peaceful, relaxing, relaxed, ambient, gentle, soft, serene, dreamy,
           chill, lofi, meditative, quiet): major with sevenths, I–vi–IV–V over two bars
           each, 76 bpm, pad + piano arpeggios + bass.
           ``epic`` (heroic, cinematic, triumphant, powerful, majestic, orchestral, grand,
           adventure): minor, i–VI–III–VII, 96 bpm, strings + piano stabs + bass + drums.
           ``dark`` (ominous, mysterious, tense, suspense, scary, horror, eerie, spooky,
           sinister): harmonic minor, i–VI–iv–V, 66 bpm, pad + bass + sparse drums.
           ``romantic`` (love, tender, warm, sweet): major with sevenths, I–iii–IV–V,
           84 bpm, piano arpeggios + strings + bass.
           No mood word: major, I–V–vi–IV, 100 bpm, piano + pad + bass + drums.
tempo      ``slow`` 64 bpm, ``moderate``/``medium`` 100 bpm, ``fast``/``upbeat``/
           ``energetic``/``lively``/``driving``/``dance`` 128 bpm; ``N bpm`` (40–200)
           wins over words.
band       ``piano``, ``strings`` (violin, cello, orchestra), ``pad`` (synth, ambient
           pads), ``organ``, ``guitar`` (acoustic), ``bass``, ``drums`` (beat,
           percussion), ``flute``, ``bells`` (glockenspiel, celesta, chimes): naming any
           replaces the mood's band; ``no X`` or ``without X`` removes X (when nothing
           is left, the first instrument of this list not removed plays). ``flute`` and
           ``bells`` play a melody; the others accompany.
=========  ==========================================================================

When several mood words appear, the most frequent wins (the first on a tie). The seed
picks the key and, where a mood has several, the chord progression.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

__all__ = ["INSTRUMENTS", "MusicPlan", "plan_music"]

MAJOR = (0, 2, 4, 5, 7, 9, 11)
NATURAL_MINOR = (0, 2, 3, 5, 7, 8, 10)
HARMONIC_MINOR = (0, 2, 3, 5, 7, 8, 11)

INSTRUMENTS = ("piano", "strings", "pad", "organ", "guitar", "bass", "drums", "flute", "bells")
MIN_BPM = 40.0
MAX_BPM = 200.0


@dataclass(frozen=True)
class _Mood:
    scale: tuple[int, ...]
    progressions: tuple[tuple[int, ...], ...]  # scale degrees, 0 = tonic
    sevenths: bool
    bpm: float
    bars_per_chord: int
    band: tuple[str, ...]
    drums: str  # drum pattern name
    figure: str  # how piano and guitar play: "arpeggio", "block" or "stabs"
    reverb: float


MOODS: dict[str, _Mood] = {
    "neutral": _Mood(MAJOR, ((0, 4, 5, 3), (0, 3, 4, 3)), False, 100, 1,
                     ("piano", "pad", "bass", "drums"), "pop", "block", 0.18),
    "happy": _Mood(MAJOR, ((0, 4, 5, 3), (0, 3, 0, 4), (0, 5, 3, 4)), False, 116, 1,
                   ("piano", "guitar", "bass", "drums"), "pop", "block", 0.15),
    "sad": _Mood(NATURAL_MINOR, ((0, 5, 2, 6), (0, 3, 6, 2)), False, 70, 1,
                 ("piano", "strings", "bass"), "soft", "arpeggio", 0.28),
    "calm": _Mood(MAJOR, ((0, 5, 3, 4), (0, 3, 5, 4)), True, 76, 2,
                  ("pad", "piano", "bass"), "soft", "arpeggio", 0.3),
    "epic": _Mood(NATURAL_MINOR, ((0, 5, 2, 6), (0, 5, 3, 4)), False, 96, 1,
                  ("strings", "piano", "bass", "drums"), "epic", "stabs", 0.3),
    "dark": _Mood(HARMONIC_MINOR, ((0, 5, 3, 4), (0, 3, 0, 4)), False, 66, 2,
                  ("pad", "bass", "drums"), "sparse", "arpeggio", 0.32),
    "romantic": _Mood(MAJOR, ((0, 2, 3, 4), (0, 5, 1, 4)), True, 84, 1,
                      ("piano", "strings", "bass"), "soft", "arpeggio", 0.25),
}

MOOD_WORDS = {
    **dict.fromkeys(("happy", "cheerful", "joyful", "bright", "uplifting", "playful", "sunny", "fun"), "happy"),
    **dict.fromkeys(("sad", "melancholy", "melancholic", "sorrowful", "somber", "sombre", "nostalgic",
                     "lonely", "tragic"), "sad"),
    **dict.fromkeys(("calm", "peaceful", "relaxing", "relaxed", "ambient", "gentle", "soft", "serene",
                     "dreamy", "chill", "lofi", "meditative", "quiet"), "calm"),
    **dict.fromkeys(("epic", "heroic", "cinematic", "triumphant", "powerful", "majestic", "orchestral",
                     "grand", "adventure"), "epic"),
    **dict.fromkeys(("dark", "ominous", "mysterious", "tense", "suspense", "scary", "horror", "eerie",
                     "spooky", "sinister"), "dark"),
    **dict.fromkeys(("romantic", "love", "tender", "warm", "sweet"), "romantic"),
}
TEMPO_WORDS = {
    "slow": 64.0, "moderate": 100.0, "medium": 100.0,
    **dict.fromkeys(("fast", "upbeat", "energetic", "lively", "driving", "dance"), 128.0),
}
INSTRUMENT_WORDS = {
    **dict.fromkeys(("piano", "pianos", "keys"), "piano"),
    **dict.fromkeys(("strings", "string", "violin", "violins", "cello", "cellos", "orchestra"), "strings"),
    **dict.fromkeys(("pad", "pads", "synth", "synths"), "pad"),
    **dict.fromkeys(("organ", "organs"), "organ"),
    **dict.fromkeys(("guitar", "guitars", "acoustic"), "guitar"),
    **dict.fromkeys(("bass", "basses"), "bass"),
    **dict.fromkeys(("drums", "drum", "beat", "beats", "percussion"), "drums"),
    **dict.fromkeys(("flute", "flutes"), "flute"),
    **dict.fromkeys(("bells", "bell", "glockenspiel", "celesta", "chimes"), "bells"),
}
NEGATIONS = frozenset({"no", "without", "minus"})
BPM_PATTERN = re.compile(r"(\d{2,3}(?:\.\d+)?)\s*bpm")


@dataclass(frozen=True)
class MusicPlan:
    """What the synthesizer plays.

    Attributes:
        mood: the mood read from the prompt (``neutral`` when none).
        tonic: MIDI pitch class of the key (0 = C).
        scale: the seven semitone offsets of the mode.
        progression: chords as scale degrees (0 = tonic), each lasting ``bars_per_chord`` bars.
        sevenths: whether chords carry their seventh.
        bpm: beats per minute (four beats to the bar).
        bars_per_chord: bars each chord lasts.
        band: the instruments that play.
        drums: the drum pattern name.
        figure: how piano and guitar play the chords (``arpeggio``, ``block``, ``stabs``).
        reverb: wet level of the room.
    """

    mood: str
    tonic: int
    scale: tuple[int, ...]
    progression: tuple[int, ...]
    sevenths: bool
    bpm: float
    bars_per_chord: int
    band: tuple[str, ...]
    drums: str
    figure: str
    reverb: float

    @property
    def beat_s(self) -> float:
        """Seconds per beat."""
        return 60.0 / self.bpm

    def chord(self, bar: int) -> tuple[int, ...]:
        """Semitones above the tonic of the chord played in ``bar`` (root first)."""
        degree = self.progression[(bar // self.bars_per_chord) % len(self.progression)]
        steps = (0, 2, 4, 6) if self.sevenths else (0, 2, 4)
        return tuple(self.scale[(degree + s) % 7] + 12 * ((degree + s) // 7) for s in steps)


def plan_music(prompt: str, seed: int) -> MusicPlan:
    """Read mood, tempo and instrument words from ``prompt`` (see the module docs)."""
    text = prompt.lower()
    words = re.findall(r"[a-z]+", text)
    negated = {words[i] for i in range(1, len(words)) if words[i - 1] in NEGATIONS}
    moods = Counter(MOOD_WORDS[w] for w in words if w in MOOD_WORDS and w not in negated)
    mood_name = max(moods, key=lambda m: (moods[m], -_first_index(words, m))) if moods else "neutral"
    mood = MOODS[mood_name]

    bpm = mood.bpm
    tempo_words = [TEMPO_WORDS[w] for w in words if w in TEMPO_WORDS and w not in negated]
    if tempo_words:
        bpm = tempo_words[0]
    explicit = BPM_PATTERN.search(text)
    if explicit:
        bpm = float(np.clip(float(explicit.group(1)), MIN_BPM, MAX_BPM))

    named = [INSTRUMENT_WORDS[w] for w in words if w in INSTRUMENT_WORDS and w not in negated]
    removed = {INSTRUMENT_WORDS[w] for w in negated if w in INSTRUMENT_WORDS}
    band = tuple(dict.fromkeys(named)) if named else mood.band
    band = tuple(b for b in band if b not in removed) or (next(i for i in INSTRUMENTS if i not in removed),)

    rng = np.random.default_rng([seed, 0])
    return MusicPlan(
        mood=mood_name,
        tonic=int(rng.integers(0, 12)),
        scale=mood.scale,
        progression=mood.progressions[int(rng.integers(0, len(mood.progressions)))],
        sevenths=mood.sevenths,
        bpm=bpm,
        bars_per_chord=mood.bars_per_chord if bpm < 90 else 1,
        band=band,
        drums="driving" if bpm >= 124 and mood.drums == "pop" else mood.drums,
        figure=mood.figure,
        reverb=mood.reverb,
    )


def _first_index(words: list[str], mood: str) -> int:
    return next(i for i, w in enumerate(words) if MOOD_WORDS.get(w) == mood)
