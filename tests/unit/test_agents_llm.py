import pytest

from audio_tools.agents.llm import OLLAMA_URL, chat_model_for
from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError


def test_auto_is_none_without_openai_and_openai_with_a_key() -> None:
    assert chat_model_for(None, Settings()) is None
    model = chat_model_for(None, Settings(openai_api_key="sk-test"))
    assert model is not None and model.model_name == "gpt-4o-mini"  # type: ignore[attr-defined]


def test_settings_name_the_default_and_a_spec_wins() -> None:
    assert chat_model_for(None, Settings(llm="none", openai_api_key="sk-test")) is None
    model = chat_model_for("openai:gpt-4.1", Settings(llm="none", openai_api_key="sk-test"))
    assert model.model_name == "gpt-4.1"  # type: ignore[union-attr]


@pytest.mark.parametrize(("spec", "url", "name"), [
    ("ollama:llama3.2", OLLAMA_URL, "llama3.2"),
    ("ollama:qwen3@http://gpu-box:11434/v1", "http://gpu-box:11434/v1", "qwen3"),
    ("openai-compatible:meta/llama@http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1", "meta/llama"),
])
def test_local_servers_go_through_the_openai_compatible_client(spec: str, url: str, name: str) -> None:
    model = chat_model_for(spec, Settings())
    assert (model.openai_api_base, model.model_name) == (url, name)  # type: ignore[union-attr]


def test_openai_without_a_key_says_what_to_set() -> None:
    with pytest.raises(BackendUnavailableError, match=r"OPENAI_API_KEY.*ollama"):
        chat_model_for("openai", Settings())


@pytest.mark.parametrize("spec", ["gpt-4o", "ollama", "openai-compatible:model", "openai-compatible:m@ftp://x",
                                  "none:x"])
def test_unknown_specs_list_the_accepted_forms(spec: str) -> None:
    with pytest.raises(InvalidInputError, match="openai-compatible:MODEL@URL"):
        chat_model_for(spec, Settings())
