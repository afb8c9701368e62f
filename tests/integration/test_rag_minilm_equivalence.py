"""The numpy MiniLM gives sentence-transformers' all-MiniLM-L6-v2 vectors, on the package's own folder.

sentence-transformers is a test-only comparison here (importing it takes ~10 s, hence ``slow``);
the same folder also serves the ``sentence-transformers:PATH`` spec.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError
from audio_tools.rag.embeddings import EmbeddingIdentity, OfflineMiniLMEmbeddings, embedding_identity, embeddings_for
from audio_tools.rag.minilm import MINILM_L6_V2

pytestmark = pytest.mark.slow

TEXTS = [
    "When is the launch?",
    "",
    "ok",
    "   leading and trailing spaces   ",
    "The launch moved to March 14th because the payment provider needs two more weeks of testing.",
    "Ünïcödé façade, naïve café — 東京タワー, Ελληνικά, русский текст, emoji 🎉🚀 and math ∑∫√",
    "Tom will do the Spanish translation by March 20th; Priya owns the QA plan.",
    " ".join(f"item{i} costs {i * 3} dollars" for i in range(120)),  # far over 256 tokens
    "Action items: " + "review the onboarding flow, update the pricing page, " * 30,  # over 256 tokens
    "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopic",
    "We decided on dark blue buttons.\nNew line.\tTabbed.",
    "a " * 300,  # exactly at the cut after [CLS] and [SEP]
]


def _package_folder() -> Path:
    dist = metadata.distribution(MINILM_L6_V2.distribution)
    entry = next(f for f in dist.files or [] if str(f) == f"{MINILM_L6_V2.folder}/modules.json")
    return Path(str(entry.locate())).parent


@pytest.fixture(scope="module")
def reference() -> Any:
    sentence_transformers = pytest.importorskip("sentence_transformers")
    return sentence_transformers.SentenceTransformer(str(_package_folder()), device="cpu", local_files_only=True)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1))


def test_minilm_matches_sentence_transformers(reference: Any) -> None:
    assert reference.max_seq_length == 256
    expected = reference.encode(TEXTS, convert_to_numpy=True)
    ours = np.array(OfflineMiniLMEmbeddings().embed_documents(TEXTS))
    cosines = _cosines(ours, expected)
    assert cosines.min() >= 0.9999, dict(zip(TEXTS, cosines.round(6), strict=True))
    assert np.abs(ours - expected).max() < 1e-4
    singles = np.array([OfflineMiniLMEmbeddings().embed_query(t) for t in TEXTS])
    assert _cosines(singles, expected).min() >= 0.9999


def test_the_sentence_transformers_spec_loads_a_folder(reference: Any, settings: Settings) -> None:
    folder = _package_folder()
    embeddings = embeddings_for(f"sentence-transformers:{folder}", settings.with_(device="cpu"))
    assert embedding_identity(embeddings) == EmbeddingIdentity(f"sentence-transformers:{folder.resolve()}", 384)
    vectors = np.array(embeddings.embed_documents(TEXTS))
    assert np.allclose(vectors, reference.encode(TEXTS, convert_to_numpy=True), atol=1e-5)
    assert _cosines(vectors, np.array(OfflineMiniLMEmbeddings().embed_documents(TEXTS))).min() >= 0.9999


def test_a_model_name_not_in_the_cache_is_not_downloaded(settings: Settings) -> None:
    embeddings = embeddings_for("sentence-transformers:sentence-transformers/no-such-model-here", settings)
    with pytest.raises(BackendUnavailableError, match="nothing is downloaded") as caught:
        embeddings.embed_query("hello")
    chain = []
    error: BaseException | None = caught.value
    while error is not None:
        chain.append(repr(error))
        error = error.__cause__ or error.__context__
    assert not any("Socket" in e for e in chain), chain  # refused from the cache alone, no connection tried
