"""Backend specs and the registry: plain factories, built once per spec and settings; ``auto``; ``load_once``."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import pytest

from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError
from audio_tools.registry import BackendRegistry, BackendSpec, load_once, parse_spec, spec_of

THREADS = 8


@dataclass
class FakeBackend:
    spec: BackendSpec
    device: str
    name: str = "fake"
    model: str | None = None


class Counting:
    """A factory that counts its constructions (slowly, to widen the window for races)."""

    def __init__(self) -> None:
        self.built: list[tuple[str, Settings]] = []
        self.lock = threading.Lock()

    def __call__(self, spec: BackendSpec, settings: Settings) -> FakeBackend:
        time.sleep(0.05)
        with self.lock:
            self.built.append((str(spec), settings))
        return FakeBackend(spec, settings.device)


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


def test_spec_of_a_backend() -> None:
    assert spec_of(FakeBackend(BackendSpec("x"), "cpu", name="flite", model="slt")) == "flite:slt"
    assert spec_of(FakeBackend(BackendSpec("x"), "cpu", name="offline")) == "offline"


def test_built_once_per_spec_and_settings(settings: Settings) -> None:
    factory = Counting()
    registry: BackendRegistry[FakeBackend] = BackendRegistry("speech-to-text")
    registry.register("fake", factory, "a fake for tests")
    assert registry.families() == {"fake": "a fake for tests"}
    first = registry.get("fake:small", settings)
    assert registry.get("fake:small", settings) is first
    assert registry.get(BackendSpec("fake", "small"), settings.with_()) is first  # equal settings share
    assert registry.get("fake:large", settings) is not first
    assert registry.get("fake:small", settings.with_(device="cpu")) is not first
    other_caps = settings.with_(max_duration_s=5.0, openai_base_url="http://127.0.0.1:9/v1")
    assert registry.get("fake:small", other_caps) is not first  # another caller's settings are never ignored
    assert len(factory.built) == 4
    registry.clear()
    assert registry.get("fake:small", settings) is not first


def test_concurrent_get_constructs_once(settings: Settings) -> None:
    factory = Counting()
    registry: BackendRegistry[FakeBackend] = BackendRegistry("text-to-speech")
    registry.register("fake", factory)
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
    assert [spec for spec, _ in factory.built] == ["fake:voice"]


def test_unknown_family_lists_known_ones(settings: Settings) -> None:
    registry: BackendRegistry[FakeBackend] = BackendRegistry("speech-to-text")
    registry.register("whisper", Counting())
    registry.register("pocketsphinx", Counting())
    with pytest.raises(InvalidInputError, match=r"Unknown speech-to-text backend 'vosk'.*pocketsphinx, whisper"):
        registry.get("vosk", settings)
    with pytest.raises(InvalidInputError, match="Known backends: none"):
        BackendRegistry[object]("music").get("x", settings)
    with pytest.raises(InvalidInputError, match="Unknown speech-to-text backend 'auto'"):
        registry.get("auto", settings)


def test_a_missing_package_is_backend_unavailable(settings: Settings) -> None:
    def ghost(spec: BackendSpec, s: Settings) -> FakeBackend:
        import no_such_package_for_audio_tools  # noqa: F401

        raise AssertionError

    registry: BackendRegistry[FakeBackend] = BackendRegistry("speech-to-text")
    registry.register("ghost", ghost)
    with pytest.raises(BackendUnavailableError, match=r"'ghost' cannot be imported.*Install"):
        registry.get("ghost", settings)


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


def test_auto_is_what_its_chooser_names(settings: Settings) -> None:
    registry: BackendRegistry[FakeBackend] = BackendRegistry("music")
    registry.register("heavy", Counting())
    registry.register("light", Counting())
    registry.register_auto(lambda spec, s: BackendSpec("heavy" if s.device == "cuda" else "light", spec.model),
                           "heavy on CUDA, else light")
    assert registry.families()["auto"] == "heavy on CUDA, else light"
    assert registry.resolve("auto:m", settings) == BackendSpec("light", "m")
    assert registry.get("auto:m", settings) is registry.get("light:m", settings)
    assert registry.get("auto", settings.with_(device="cuda")).spec == BackendSpec("heavy")


def test_load_once_shares_a_model_across_callers() -> None:
    loads: list[int] = []

    def load() -> object:
        time.sleep(0.05)
        loads.append(1)
        return object()

    key = ("test-model", id(loads))
    barrier = threading.Barrier(THREADS)
    got: list[object] = []

    def worker() -> None:
        barrier.wait()
        got.append(load_once(key, load))

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(loads) == 1 and len(got) == THREADS and all(g is got[0] for g in got)


def test_load_once_does_not_cache_a_failure() -> None:
    key = ("failing-model", id(test_load_once_does_not_cache_a_failure))

    def fail() -> object:
        msg = "not yet"
        raise BackendUnavailableError(msg)

    with pytest.raises(BackendUnavailableError):
        load_once(key, fail)
    assert load_once(key, lambda: "loaded") == "loaded"


def test_registries_import_no_backend_module() -> None:
    code = ("import sys, audio_tools.stt, audio_tools.tts, audio_tools.music\n"
            "print(sorted(m for m in sys.modules if m.startswith('audio_tools.') and m.rsplit('.', 1)[-1] in "
            "('pocketsphinx', 'whisper', 'openai', 'openai_tts', 'hf', 'flite', 'festival', 'espeak', 'offline', "
            "'musicgen', 'audiocraft', 'synth')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
