"""Backend specs and the registry: lazy factories, built once per (family, model, device)."""

from __future__ import annotations

import secrets
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError
from audio_tools.registry import BackendRegistry, BackendSpec, parse_spec

THREADS = 8


@dataclass
class FakeBackend:
    spec: BackendSpec
    device: str


@pytest.mark.parametrize(
    ("text", "family", "model"),
    [
        ("pocketsphinx", "pocketsphinx", None),
        ("whisper:openai/whisper-small", "whisper", "openai/whisper-small"),
        ("openai:tts-1", "openai", "tts-1"),
        ("  Whisper : tiny  ", "whisper", "tiny"),
        ("hf:org/model:revision", "hf", "org/model:revision"),
        ("music_gen-2:", "music_gen-2", None),
    ],
)
def test_parse_spec(text: str, family: str, model: str | None) -> None:
    spec = parse_spec(text)
    assert spec == BackendSpec(family, model)
    assert parse_spec(str(spec)) == spec


@pytest.mark.parametrize("text", ["", "   ", ":model", "two words:x", "../evil:x", "a/b"])
def test_parse_spec_refuses_malformed(text: str) -> None:
    with pytest.raises(InvalidInputError, match="family\\[:model\\]"):
        parse_spec(text)


@pytest.fixture
def fake_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A backend module on disk, not yet imported; its factory counts constructions."""
    name = f"fake_backend_{secrets.token_hex(4)}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(
        """
        import threading, time
        built = []
        lock = threading.Lock()

        def make(spec, settings):
            time.sleep(0.05)  # widen the window in which threads could race
            with lock:
                built.append((str(spec), settings.device))
            return {"spec": str(spec), "device": settings.device, "n": len(built)}
        """
    ))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def test_factory_is_imported_lazily_and_built_once(fake_module: str, settings: Settings) -> None:
    registry: BackendRegistry[dict[str, object]] = BackendRegistry("speech-to-text")
    registry.register("fake", f"{fake_module}:make", "a fake for tests")
    assert fake_module not in sys.modules
    assert registry.families() == {"fake": "a fake for tests"}

    first = registry.get("fake:small", settings)
    assert fake_module in sys.modules
    assert registry.get("fake:small", settings) is first
    assert registry.get(BackendSpec("fake", "small"), settings) is first
    assert registry.get("fake:large", settings) is not first
    assert registry.get("fake:small", settings.with_(device="cpu")) is not first
    assert len(sys.modules[fake_module].built) == 3

    registry.clear()
    assert registry.get("fake:small", settings) is not first


def test_concurrent_get_constructs_once(fake_module: str, settings: Settings) -> None:
    registry: BackendRegistry[dict[str, object]] = BackendRegistry("text-to-speech")
    registry.register("fake", f"{fake_module}:make")
    barrier = threading.Barrier(THREADS)
    results: list[object] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(registry.get("fake:voice", settings))
        except BaseException as e:  # re-raised below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(results) == THREADS
    assert all(r is results[0] for r in results)
    assert sys.modules[fake_module].built == [("fake:voice", "auto")]


def test_callable_factory(settings: Settings) -> None:
    registry: BackendRegistry[FakeBackend] = BackendRegistry("music")
    registry.register("synth", lambda spec, s: FakeBackend(spec, s.device))
    backend = registry.get("synth", settings)
    assert backend == FakeBackend(BackendSpec("synth"), "auto")


def test_unknown_family_lists_known_ones(settings: Settings) -> None:
    registry: BackendRegistry[object] = BackendRegistry("speech-to-text")
    registry.register("whisper", "nowhere:make")
    registry.register("pocketsphinx", "nowhere:make")
    with pytest.raises(InvalidInputError, match=r"Unknown speech-to-text backend 'vosk'.*pocketsphinx, whisper"):
        registry.get("vosk", settings)
    with pytest.raises(InvalidInputError, match="Known backends: none"):
        BackendRegistry[object]("music").get("x", settings)


def test_import_failure_is_backend_unavailable(settings: Settings) -> None:
    registry: BackendRegistry[object] = BackendRegistry("speech-to-text")
    registry.register("ghost", "no_such_package_for_audio_tools.backend:make")
    with pytest.raises(BackendUnavailableError, match=r"'ghost' cannot be imported.*Install"):
        registry.get("ghost", settings)


def test_missing_factory_is_backend_unavailable(fake_module: str, settings: Settings) -> None:
    registry: BackendRegistry[object] = BackendRegistry("speech-to-text")
    registry.register("typo", f"{fake_module}:mkae")
    with pytest.raises(BackendUnavailableError, match=r"no factory 'mkae'.*Fix the registration"):
        registry.get("typo", settings)


def test_failed_construction_is_not_cached(settings: Settings) -> None:
    attempts: list[int] = []

    def flaky(spec: BackendSpec, s: Settings) -> FakeBackend:
        attempts.append(1)
        if len(attempts) == 1:
            msg = "no weights yet"
            raise BackendUnavailableError(msg)
        return FakeBackend(spec, s.device)

    registry: BackendRegistry[FakeBackend] = BackendRegistry("speech-to-text")
    registry.register("flaky", flaky)
    with pytest.raises(BackendUnavailableError, match="no weights"):
        registry.get("flaky", settings)
    assert registry.get("flaky", settings) == FakeBackend(BackendSpec("flaky"), "auto")
    assert len(attempts) == 2
