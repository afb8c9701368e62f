"""``openai:MODEL`` embeddings with the real ``openai`` client against the loopback OpenAI-compatible server."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from helpers.openai_server import OpenAIServer, hashed_words

from audio_tools.config import Settings
from audio_tools.errors import BackendError, BackendUnavailableError, InvalidInputError
from audio_tools.rag.embeddings import EmbeddingIdentity, embedding_identity, embeddings_for

EMBEDDINGS = "/v1/embeddings"
TEXTS = ["When is the launch?", "The launch is on March 14th.", "Tom will do the Spanish translation."]


def test_documents_and_queries_are_the_servers_vectors(openai_server: OpenAIServer, on_openai_server: Settings,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-from-the-environment")  # only the settings count
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    embeddings = embeddings_for("openai:text-embedding-3-small", on_openai_server)
    vectors = embeddings.embed_documents(TEXTS)
    assert len(vectors) == 3
    for text, vector in zip(TEXTS, vectors, strict=True):
        expected = hashed_words(text.lower().replace("?", "").replace(".", "").split(), 1536)
        assert np.allclose(vector, expected, atol=1e-6)
    assert np.allclose(embeddings.embed_query(TEXTS[0]), vectors[0], atol=1e-6)
    requests = openai_server.requests_to(EMBEDDINGS)
    assert requests[0].fields["model"] == "text-embedding-3-small"
    assert requests[0].fields["input"] == TEXTS  # strings, not tiktoken tokens
    assert embeddings.embed_documents([]) == []
    assert len(openai_server.requests_to(EMBEDDINGS)) == 2


def test_the_identity_is_the_spec_and_the_measured_dimension(on_openai_server: Settings) -> None:
    embeddings = embeddings_for("openai:text-embedding-3-large", on_openai_server)
    assert embedding_identity(embeddings) == EmbeddingIdentity("openai:text-embedding-3-large", 3072)
    assert embedding_identity(embeddings) == EmbeddingIdentity("openai:text-embedding-3-large", 3072)


async def test_async_methods_use_the_async_client(openai_server: OpenAIServer, on_openai_server: Settings) -> None:
    embeddings = embeddings_for("openai", on_openai_server)
    vectors = await embeddings.aembed_documents(TEXTS)
    assert np.allclose(vectors, embeddings.embed_documents(TEXTS), atol=1e-6)
    assert np.allclose(await embeddings.aembed_query(TEXTS[1]), vectors[1], atol=1e-6)
    assert openai_server.requests_to(EMBEDDINGS)[0].fields["model"] == "text-embedding-3-small"
    with pytest.raises(InvalidInputError, match="rejected the embeddings request"):
        await embeddings.aembed_query("")


def test_the_server_answers_base64_as_the_client_asks_by_default(openai_server: OpenAIServer,
                                                                 on_openai_server: Settings) -> None:
    from audio_tools.openai_service import client

    raw = client(on_openai_server).embeddings.with_raw_response.create(model="text-embedding-3-small", input=["hello"])
    assert openai_server.requests_to(EMBEDDINGS)[-1].fields.get("encoding_format") == "base64"
    packed = raw.http_response.json()["data"][0]["embedding"]
    assert np.allclose(np.frombuffer(base64.b64decode(packed), "<f4"), hashed_words(["hello"], 1536), atol=1e-6)
    assert np.allclose(raw.parse().data[0].embedding, hashed_words(["hello"], 1536), atol=1e-6)


def test_failures_become_audio_tools_errors(openai_server: OpenAIServer, on_openai_server: Settings) -> None:
    with pytest.raises(BackendUnavailableError, match=r"refused the credentials.*OPENAI_API_KEY"):
        embeddings_for("openai", on_openai_server.with_(openai_api_key="sk-other")).embed_query("hello")
    with pytest.raises(InvalidInputError, match="does not exist"):
        embeddings_for("openai:no-such-model", on_openai_server).embed_query("hello")
    with pytest.raises(InvalidInputError, match="input"):
        embeddings_for("openai", on_openai_server).embed_documents(["fine", ""])
    openai_server.fail_next(1, 500)  # retried
    assert len(embeddings_for("openai", on_openai_server).embed_query("hello")) == 1536
    openai_server.fail_next(10, 500)
    with pytest.raises(BackendError, match=r"HTTP 500.*Try again later"):
        embeddings_for("openai", on_openai_server).embed_query("hello")
    with pytest.raises(BackendUnavailableError, match="Cannot reach"):
        embeddings_for("openai", on_openai_server.with_(openai_base_url="http://127.0.0.1:9/v1")).embed_query("hello")
