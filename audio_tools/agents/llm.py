"""The chat model, from a spec: OpenAI, Ollama, any OpenAI-compatible server, or none.

| spec                               | model                                                        |
|------------------------------------|--------------------------------------------------------------|
| ``auto``                           | ``openai:gpt-4o-mini`` when OpenAI is configured, else none  |
| ``openai[:MODEL]``                 | the OpenAI API (or ``openai_base_url``), default gpt-4o-mini |
| ``ollama:MODEL[@URL]``             | Ollama's OpenAI-compatible API, default 127.0.0.1:11434      |
| ``openai-compatible:MODEL@URL``    | vLLM, llama.cpp server, LM Studio...: ``URL`` ends in ``/v1``|
| ``none``                           | no model: offline commands only                              |

Every model is ``langchain_openai.ChatOpenAI``; its errors are mapped by
:mod:`audio_tools.openai_service` like those of the other OpenAI backends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audio_tools.config import Settings
from audio_tools.errors import BackendUnavailableError, InvalidInputError
from audio_tools.openai_service import MAX_RETRIES, PLACEHOLDER_KEY

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = ["DEFAULT_OPENAI_MODEL", "NO_LLM_ADVICE", "OLLAMA_URL", "chat_model_for"]

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
OLLAMA_URL = "http://127.0.0.1:11434/v1"
SPEC_FORMS = "auto, none, openai[:MODEL], ollama:MODEL[@URL] or openai-compatible:MODEL@URL"
NO_LLM_ADVICE = (
    "No chat model is configured: set OPENAI_API_KEY, or pass --llm ollama:MODEL or "
    "--llm openai-compatible:MODEL@http://HOST:PORT/v1 (AUDIO_TOOLS_LLM sets the default)."
)


def chat_model_for(spec: str | None, settings: Settings) -> BaseChatModel | None:
    """The chat model ``spec`` names (``settings.llm`` when None); None for ``none`` or an unconfigured ``auto``.

    Raises:
        InvalidInputError: the spec is not one of the forms in the module docstring.
        BackendUnavailableError: ``openai`` asked for without a key or server.
    """
    spec = (spec or settings.llm).strip()
    family, _, rest = spec.partition(":")
    family = family.lower()
    if family == "none" and not rest:
        return None
    if family == "auto" and not rest:
        return _chat(DEFAULT_OPENAI_MODEL, settings, None) if settings.openai_configured else None
    if family == "openai":
        if not settings.openai_configured:
            msg = f"--llm {spec} needs OPENAI_API_KEY (or OPENAI_BASE_URL). {NO_LLM_ADVICE}"
            raise BackendUnavailableError(msg)
        return _chat(rest or DEFAULT_OPENAI_MODEL, settings, None)
    if family == "ollama" and rest:
        model, _, url = rest.partition("@")
        return _chat(model, settings, url or OLLAMA_URL)
    if family == "openai-compatible" and "@" in rest:
        model, _, url = rest.partition("@")
        if model and url.startswith(("http://", "https://")):
            return _chat(model, settings, url)
    msg = f"Unknown chat model spec {spec!r}; use {SPEC_FORMS}."
    raise InvalidInputError(msg)


def _chat(model: str, settings: Settings, base_url: str | None) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key is not None else PLACEHOLDER_KEY
    return ChatOpenAI(model=model, api_key=key,  # type: ignore[arg-type]
                      base_url=base_url or settings.openai_base_url, max_retries=MAX_RETRIES)
