"""Backends named by spec strings, constructed lazily and loaded once per process.

A spec is ``family[:model]``: ``pocketsphinx``, ``whisper:openai/whisper-small``,
``openai:tts-1``, ``musicgen:facebook/musicgen-small``. Each capability (speech-to-text,
text-to-speech, music) owns one :class:`BackendRegistry`. Families are registered with the
dotted path of their factory so that importing the registry imports no model library;
the factory runs on first use and its result is cached, so every tool and every call in
the process shares one loaded model.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError

__all__ = ["BackendRegistry", "BackendSpec", "parse_spec"]

T = TypeVar("T")


@dataclass(frozen=True)
class BackendSpec:
    """A parsed ``family[:model]`` spec."""

    family: str
    model: str | None = None

    def __str__(self) -> str:
        return self.family if self.model is None else f"{self.family}:{self.model}"


def parse_spec(spec: str) -> BackendSpec:
    """Split ``family[:model]``; the model part may itself contain ``:`` or ``/``.

    Raises:
        InvalidInputError: the spec is empty or its family is not a plain name.
    """
    family, _, model = spec.strip().partition(":")
    family = family.strip().lower()
    if not family or not family.replace("-", "").replace("_", "").isalnum():
        msg = f"Backend spec {spec!r} is not of the form family[:model], e.g. 'whisper:openai/whisper-small'."
        raise InvalidInputError(msg)
    return BackendSpec(family, model.strip() or None)


Factory = Callable[[BackendSpec, Settings], T]


class BackendRegistry(Generic[T]):
    """Families of one capability, and the backends built from them.

    Args:
        capability: what the backends do, for error messages (``speech-to-text``).
    """

    def __init__(self, capability: str) -> None:
        self.capability = capability
        self._factories: dict[str, str | Factory[T]] = {}
        self._descriptions: dict[str, str] = {}
        self._cache: dict[tuple[str, str | None, str], T] = {}
        self._lock = threading.Lock()
        self._loading: dict[tuple[str, str | None, str], threading.Lock] = {}

    def register(self, family: str, factory: str | Factory[T], description: str = "") -> None:
        """Add a family.

        Args:
            family: the name before ``:`` in a spec.
            factory: a callable ``(spec, settings) -> backend``, or its dotted path
                ``"package.module:function"``, imported only when the family is first used.
            description: one line for ``--help`` texts and error messages.
        """
        self._factories[family] = factory
        self._descriptions[family] = description

    def families(self) -> dict[str, str]:
        """Registered family names with their descriptions."""
        return dict(self._descriptions)

    def get(self, spec: str | BackendSpec, settings: Settings | None = None) -> T:
        """The backend for ``spec``, built on first use and reused afterwards.

        Raises:
            InvalidInputError: no family of that name.
            BackendUnavailableError: the family cannot run here (raised by its factory).
        """
        parsed = spec if isinstance(spec, BackendSpec) else parse_spec(spec)
        settings = settings if settings is not None else Settings.from_env()
        factory = self._factory(parsed.family)
        key = (parsed.family, parsed.model, settings.device)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:  # one construction per key, even when threads ask at once
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
            backend = factory(parsed, settings)
            with self._lock:
                self._cache[key] = backend
            return backend

    def clear(self) -> None:
        """Forget every built backend (their memory is freed once unreferenced)."""
        with self._lock:
            self._cache.clear()

    def _factory(self, family: str) -> Factory[T]:
        try:
            factory = self._factories[family]
        except KeyError:
            known = ", ".join(sorted(self._factories)) or "none"
            msg = f"Unknown {self.capability} backend {family!r}. Known backends: {known}."
            raise InvalidInputError(msg) from None
        if isinstance(factory, str):
            module_name, _, attr = factory.partition(":")
            try:
                module = importlib.import_module(module_name)
            except ImportError as e:
                msg = (f"The {self.capability} backend {family!r} cannot be imported ({e}). "
                       f"Install the package it needs and try again.")
                raise BackendUnavailableError(msg) from e
            loaded = getattr(module, attr, None)
            if not callable(loaded):
                msg = (f"The {self.capability} backend {family!r} is registered as {factory!r}, but "
                       f"{module_name} has no factory {attr!r}. Fix the registration.")
                raise BackendUnavailableError(msg)
            self._factories[family] = factory = loaded
        return factory
