"""Checking numbers before they reach an ffmpeg filter graph or a model.

A value that goes into a filter string must be a finite number in a known range, formatted
by us: never ``nan``, ``inf``, an exponent, or text a caller passed through.
"""

from __future__ import annotations

import math
import numbers

from audio_tools.errors import InvalidInputError

__all__ = ["checked_number", "decibels_to_gain", "filter_number"]


def checked_number(name: str, value: object, low: float, high: float, *, unit: str = "") -> float:
    """``value`` as a float, when it is a finite number from ``low`` to ``high``.

    Args:
        name: the parameter's name, for the message.
        value: what the caller gave.
        low: the smallest value allowed.
        high: the largest value allowed (may be ``math.inf``).
        unit: appended to numbers in the message (``" s"``, ``" dB"``).

    Raises:
        InvalidInputError: not a number (booleans included), NaN, infinite, or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        msg = f"{name} must be a number, got {value!r}."
        raise InvalidInputError(msg)
    number = float(value)
    if not (math.isfinite(number) and low <= number <= high):
        msg = f"{name} must be from {low:g}{unit} to {high:g}{unit}, got {value!r}{unit}. Give a value in range."
        raise InvalidInputError(msg)
    return number


def filter_number(value: float, digits: int = 6) -> str:
    """A checked finite number as fixed-point text for a filter graph (no exponent, no ``inf``).

    Raises:
        InvalidInputError: ``value`` is not finite (a bug upstream: it should have been checked).
    """
    if not math.isfinite(value):
        msg = f"Internal error: a non-finite number ({value!r}) reached an ffmpeg filter; please report it."
        raise InvalidInputError(msg)
    return f"{value:.{digits}f}"


def decibels_to_gain(db: float) -> float:
    """The amplitude factor of a level change in decibels."""
    return float(10.0 ** (db / 20.0))
