"""Backends named by spec strings, built on first use and shared by every call that may share them.

A spec is ``family[:model]``: ``pocketsphinx``, ``whisper:openai/whisper-small``,
``openai:tts-1``, ``musicgen:facebook/musicgen-small``. Each capability (speech-to-text,
text-to-speech, music) owns one :class:`BackendRegistry`, and registers each family as a
plain function that imports its module when first called, so that importing a registry
imports no model library and a reader can follow a family to its code.

A built backend is cached under its spec and the whole :class:`~audio_tools.config.Settings`
it was built with: two toolkits with different caps, timeouts or servers never share one.
Heavy models inside backends are loaded once per process through :func:`load_once`, keyed
by what shapes the model alone (checkpoint, device, dtype), so equal models are not loaded
twice for two settings.

``auto`` is the same for every capability: a function of the spec and the settings that
names the spec to use (:meth:`BackendRegistry.register_auto`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError

__all__ = ["AUTO", "BackendRegistry", "BackendSpec", "load_once", "parse_spec", "spec_of"]

AUTO = "auto"
T = TypeVar("T")


@dataclass(frozen=True)
class BackendSpec:
    """A parsed ``family[:model]`` spec."""

    family: str
    model: str | None = None

    def __str__(self) -> str:
        return self.family if self.model is None else f"{self.family}:{self.model}"


class _Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str | None: ...


def spec_of(backend: _Named) -> str:
    """The ``family[:model]`` spec of a built backend, as results record it."""
    return str(BackendSpec(backend.name, backend.model))


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
Chooser = Callable[[BackendSpec, Settings], BackendSpec]


class BackendRegistry(Generic[T]):
    """Families of one capability, and the backends built from them.

    Args:
        capability: what the backends do, for error messages (``speech-to-text``).
    """

    def __init__(self, capability: str) -> None:
        self.capability = capability
        self._factories: dict[str, Factory[T]] = {}
        self._descriptions: dict[str, str] = {}
        self._choose: Chooser | None = None
        self._cache: dict[tuple[str, str | None, Settings], T] = {}
        self._lock = threading.Lock()
        self._loading: dict[tuple[str, str | None, Settings], threading.Lock] = {}

    def register(self, family: str, factory: Factory[T], description: str = "") -> None:
        """Add a family.

        Args:
            family: the name before ``:`` in a spec.
            factory: ``(spec, settings) -> backend``; it imports what it needs when called.
            description: one line for ``--help`` texts and error messages.
        """
        self._factories[family] = factory
        self._descriptions[family] = description

    def register_auto(self, choose: Chooser, description: str) -> None:
        """Make ``auto[:model]`` stand for the spec ``choose(spec, settings)`` names on this machine now."""
        self._choose = choose
        self._descriptions[AUTO] = description

    def families(self) -> dict[str, str]:
        """Registered family names (``auto`` included) with their descriptions."""
        return dict(self._descriptions)

    def resolve(self, spec: str | BackendSpec, settings: Settings) -> BackendSpec:
        """``spec`` parsed, with ``auto`` replaced by what it stands for.

        Raises:
            InvalidInputError: malformed, or ``auto`` where this capability has none.
        """
        parsed = spec if isinstance(spec, BackendSpec) else parse_spec(spec)
        if parsed.family != AUTO:
            return parsed
        if self._choose is None:
            self._unknown(AUTO)
        assert self._choose is not None  # noqa: S101 - _unknown raised otherwise
        return self._choose(parsed, settings)

    def get(self, spec: str | BackendSpec, settings: Settings) -> T:
        """The backend for ``spec`` and ``settings``, built on first use and reused afterwards.

        Raises:
            InvalidInputError: no family of that name.
            BackendUnavailableError: the family cannot run here (a missing package, or raised
                by its factory).
        """
        parsed = self.resolve(spec, settings)
        factory = self._factories.get(parsed.family) or self._unknown(parsed.family)
        key = (parsed.family, parsed.model, settings)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:  # one construction per key, even when threads ask at once
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
            try:
                backend = factory(parsed, settings)
            except ImportError as e:
                msg = (f"The {self.capability} backend {parsed.family!r} cannot be imported ({e}). "
                       f"Install the package it needs and try again.")
                raise BackendUnavailableError(msg) from e
            with self._lock:
                self._cache[key] = backend
            return backend

    def clear(self) -> None:
        """Forget every built backend (their memory is freed once unreferenced)."""
        with self._lock:
            self._cache.clear()

    def _unknown(self, family: str) -> Any:
        known = ", ".join(sorted(self._descriptions)) or "none"
        msg = f"Unknown {self.capability} backend {family!r}. Known backends: {known}."
        raise InvalidInputError(msg)


_models: dict[Hashable, Any] = {}
_models_lock = threading.Lock()
_model_loading: dict[Hashable, threading.Lock] = {}


def load_once(key: Hashable, load: Callable[[], T]) -> T:
    """The model ``load()`` returns, loaded once per process for ``key`` (what shapes the model).

    Failed loads are not cached; threads asking for the same key at once wait for one load.
    """
    with _models_lock:
        if key in _models:
            return _models[key]
        loading = _model_loading.setdefault(key, threading.Lock())
    with loading:
        with _models_lock:
            if key in _models:
                return _models[key]
        model = load()
        with _models_lock:
            _models[key] = model
        return model
