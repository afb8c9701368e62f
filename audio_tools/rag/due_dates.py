"""Due dates as people say them in meetings, found in text and written one way.

"by the twentieth of March", "March 20", "on the 20th of March" all become ``"March 20th"``;
weekdays and relative dates ("next Friday", "tomorrow morning", "end of the quarter") are kept
as said, since the meeting's own date is what they are relative to.
"""

from __future__ import annotations

import re

__all__ = ["find_due_date"]

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UNITS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
TEENS = ("tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
         "eighteenth", "nineteenth")
ORDINAL_WORDS: dict[str, int] = {
    **{word: day for day, word in enumerate(UNITS, start=1)},
    **{word: day for day, word in enumerate(TEENS, start=10)},
    "twentieth": 20, "thirtieth": 30,
    **{f"twenty{dash}{word}": 20 + day for day, word in enumerate(UNITS, start=1) for dash in ("-", " ")},
    "thirty-first": 31, "thirty first": 31,
}

_ORDINAL = "|".join(sorted(map(re.escape, ORDINAL_WORDS), key=len, reverse=True))
_DAY = rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?|(?P<word>{_ORDINAL})"
_MONTH = rf"(?P<month>{'|'.join(MONTHS)})"
DAY_OF_MONTH = re.compile(rf"\b(?:the\s+)?(?:{_DAY})\s+of\s+{_MONTH}\b", re.IGNORECASE)
MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(?:the\s+)?(?:{_DAY})\b", re.IGNORECASE)
WEEKDAY = re.compile(rf"\b(?:(?P<which>next|this)\s+)?(?P<weekday>{'|'.join(WEEKDAYS)})\b", re.IGNORECASE)
RELATIVE = re.compile(
    r"\b(?:tomorrow(?:\s+(?:morning|afternoon|evening))?|tonight|today|next\s+(?:week|month|quarter|year)"
    r"|end\s+of\s+(?:the\s+)?(?:day|week|month|quarter|year|sprint)"
    r"|in\s+(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:days|weeks|months))\b",
    re.IGNORECASE,
)
# "by"/"before"/"until" mark a deadline; a bare weekday ("the change on Wednesday") is usually the past.
DEADLINE_WORDS = re.compile(r"\b(?:by|before|until|due|on|next|this)\s+$", re.IGNORECASE)


def find_due_date(text: str) -> str | None:
    """The first due date said in ``text``, written as ``"March 20th"``, ``"next Friday"``, ``"tomorrow"``...

    Returns:
        None when ``text`` names no date.
    """
    for pattern in (DAY_OF_MONTH, MONTH_DAY):
        match = pattern.search(text)
        if match is not None:
            day = int(match["day"]) if match["day"] else ORDINAL_WORDS[match["word"].lower()]
            if 1 <= day <= 31:
                return f"{match['month'].capitalize()} {day}{_suffix(day)}"
    match = WEEKDAY.search(text)
    if match is not None and (match["which"] or DEADLINE_WORDS.search(text[: match.start()])):
        which = f"{match['which'].lower()} " if match["which"] else ""
        return which + match["weekday"].capitalize()
    match = RELATIVE.search(text)
    if match is not None:
        return " ".join(match.group(0).lower().split())
    return None


def _suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
