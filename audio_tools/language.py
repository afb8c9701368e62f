"""Language codes shared by the capabilities (the offline engines are English-only)."""

from __future__ import annotations

__all__ = ["ENGLISH", "is_english"]

ENGLISH = frozenset({"en", "eng", "english"})


def is_english(language: str | None) -> bool:
    """Whether ``language`` (None meaning unspecified) is English: ``en``, ``en-US``, ``eng``..."""
    if language is None:
        return True
    code = language.strip().lower().replace("_", "-")
    return code in ENGLISH or code.startswith("en-")
