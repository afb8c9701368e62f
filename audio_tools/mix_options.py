"""The mix's options, each defined once: its default, its range, its unit and what it does.

:class:`MixOptions` holds them and checks them; :data:`MIX_OPTIONS` lists them. The library
(:func:`audio_tools.mix.mix_speech_over_music`, :func:`audio_tools.story.synthesize_story`),
the tools' argument models and the ``audio-agent mix`` and ``story`` options take their
defaults, bounds and descriptions from here. The module imports nothing heavy, so the CLI
builds its help from it without loading the mixer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from audio_tools.errors import InvalidInputError
from audio_tools.numbers import checked_number

__all__ = ["MAX_RATE", "MIN_RATE", "MIX_OPTIONS", "MixOption", "MixOptions"]

MIN_RATE, MAX_RATE = 8000, 192_000
_OPTION = "mix_option"  # the key of a field's MixOption in its metadata


@dataclass(frozen=True)
class MixOption:
    """One numeric option of the mix.

    Attributes:
        default: the value used when none is given.
        low: the smallest value allowed.
        high: the largest value allowed.
        unit: the unit its numbers are in (``"dB"``, ``"s"``, ``"LUFS"``).
        description: what it does, one sentence for people and language models alike.
    """

    default: float
    low: float
    high: float
    unit: str
    description: str

    def check(self, name: str, value: object) -> float:
        """``value`` as a float within range.

        Raises:
            InvalidInputError: not a number, NaN, infinite, or out of range.
        """
        return checked_number(name, value, self.low, self.high, unit=f" {self.unit}")


def _option(default: float, low: float, high: float, unit: str, description: str) -> Any:
    """A :class:`MixOptions` field with ``default``, carrying its whole :class:`MixOption`."""
    return field(default=default, metadata={_OPTION: MixOption(default, low, high, unit, description)})


@dataclass(frozen=True)
class MixOptions:
    """The mix's settings, checked when made.

    Each numeric field's default, range and meaning is its :data:`MIX_OPTIONS` entry.
    ``sample_rate`` is the output's rate (8 to 192 kHz); by default (``None``) the higher
    input rate, kept within 16 to 48 kHz.

    Raises:
        InvalidInputError: a value that is not a number, is NaN or infinite, or is out of range.
    """

    music_gain_db: float = _option(
        -2.0, -30.0, 6.0, "dB", "Loudness of the music in the intro relative to the voice, in dB."
    )
    duck_db: float = _option(
        14.0, 0.0, 40.0, "dB", "How many dB the music is lowered while the voice plays (0: not at all)."
    )
    voice_band_duck_db: float = _option(
        10.0, 0.0, 20.0, "dB",
        "How many dB further the music's 300 Hz-4 kHz band, where speech is understood, is lowered while the "
        "voice plays.",
    )
    intro_s: float = _option(3.0, 0.0, 60.0, "s", "Seconds of music alone before the speech starts.")
    outro_s: float = _option(3.0, 0.0, 60.0, "s", "Seconds of music after the speech ends.")
    fade_s: float = _option(1.5, 0.0, 30.0, "s", "Seconds of fade-in and fade-out at the ends of the music.")
    target_lufs: float = _option(-16.0, -40.0, -5.0, "LUFS", "Integrated loudness of the result, in LUFS.")
    true_peak_db: float = _option(-1.0, -9.0, 0.0, "dBTP", "Ceiling of the result's true peaks, in dBTP.")
    sample_rate: int | None = None

    def __post_init__(self) -> None:
        for name, option in MIX_OPTIONS.items():
            object.__setattr__(self, name, option.check(name, getattr(self, name)))
        if self.sample_rate is not None:
            rate = checked_number("sample_rate", self.sample_rate, MIN_RATE, MAX_RATE, unit=" Hz")
            if rate != int(rate):
                msg = f"sample_rate must be a whole number of Hz, got {self.sample_rate!r}."
                raise InvalidInputError(msg)
            object.__setattr__(self, "sample_rate", int(rate))


MIX_OPTIONS: Mapping[str, MixOption] = MappingProxyType(
    {f.name: f.metadata[_OPTION] for f in fields(MixOptions) if _OPTION in f.metadata}
)
"""Every numeric option of :class:`MixOptions` by name, in field order."""
