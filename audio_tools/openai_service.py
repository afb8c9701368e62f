"""The OpenAI service, shared by every backend that calls it: clients, and one map of its errors.

Clients are made from :class:`~audio_tools.config.Settings` (key, base URL of the OpenAI API
or of a compatible server such as vLLM or Ollama), never from the environment. Every
``openai`` exception becomes an :mod:`audio_tools.errors` exception through one table,
so that speech-to-text, text-to-speech and the chat model report the same failure the same
way::

    openai exception                                  audio_tools error
    AuthenticationError, PermissionDeniedError        BackendUnavailableError  (fix the key)
    APIConnectionError, APITimeoutError               BackendUnavailableError  (fix the address)
    BadRequestError, NotFoundError,                   InvalidInputError        (fix the request)
      UnprocessableEntityError
    RateLimitError, InternalServerError, other        BackendError             (try again later)
      APIStatusError and OpenAIError
    an answer that is not the API's JSON              BackendError             (check the server)

Importing this module does not import ``openai``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from audio_tools.config import Settings
from audio_tools.errors import AudioToolsError, BackendError, BackendUnavailableError, InvalidInputError

__all__ = ["MAX_RETRIES", "async_client", "client", "client_options", "map_openai_error", "openai_errors",
           "require_configured"]

MAX_RETRIES = 3
# A local OpenAI-compatible server may need no key, but the client insists on one.
PLACEHOLDER_KEY = "not-needed"


def require_configured(settings: Settings, what: str) -> None:
    """Refuse early, with advice, when neither a key nor a compatible server is set.

    Raises:
        BackendUnavailableError: nothing is configured.
    """
    if not settings.openai_configured:
        msg = (f"The openai {what} backend needs OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server). "
               f"Set it, or use an offline backend.")
        raise BackendUnavailableError(msg)


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of ``openai.OpenAI`` / ``openai.AsyncOpenAI`` for ``settings``."""
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key is not None else PLACEHOLDER_KEY
    return {"api_key": key, "base_url": settings.openai_base_url, "max_retries": MAX_RETRIES}


def client(settings: Settings) -> Any:
    """A synchronous ``openai.OpenAI`` client.

    Raises:
        BackendUnavailableError: the ``openai`` package is missing.
    """
    return _openai().OpenAI(**client_options(settings))


def async_client(settings: Settings) -> Any:
    """An ``openai.AsyncOpenAI`` client (see :func:`client`)."""
    return _openai().AsyncOpenAI(**client_options(settings))


def map_openai_error(error: Exception, where: str, what: str) -> AudioToolsError:
    """The audio_tools error for an ``openai`` exception, with advice.

    Args:
        error: what the client raised.
        where: the server, for the message (``the OpenAI API`` or its base URL).
        what: the request, for the message (``the speech request``).
    """
    import openai

    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        msg = f"{where} refused the credentials for {what} ({error.message}). Check OPENAI_API_KEY."
        return BackendUnavailableError(msg)
    if isinstance(error, openai.APIConnectionError):  # APITimeoutError included
        msg = (f"Cannot reach {where} for {what} ({error}). Check the network and OPENAI_BASE_URL, "
               f"or use an offline backend.")
        return BackendUnavailableError(msg)
    if isinstance(error, openai.BadRequestError | openai.NotFoundError | openai.UnprocessableEntityError):
        msg = f"{where} rejected {what}: {error.message}. Check the model and the input."
        return InvalidInputError(msg)
    if isinstance(error, openai.APIStatusError):
        msg = f"{where} failed on {what} (HTTP {error.status_code}): {error.message}. Try again later."
        return BackendError(msg)
    msg = f"{what.capitalize()} to {where} failed: {error}. Try again later."
    return BackendError(msg)


@contextlib.contextmanager
def openai_errors(settings: Settings, what: str) -> Iterator[None]:
    """Raise :func:`map_openai_error`'s error for any ``openai`` exception inside the block."""
    import openai

    where = settings.openai_base_url or "the OpenAI API"
    try:
        yield
    except openai.OpenAIError as e:
        raise map_openai_error(e, where, what) from e
    except ValueError as e:  # the client decodes a body that claims to be JSON but is not
        msg = f"{where} answered {what} with something that is not an OpenAI API response ({e}). Check the server."
        raise BackendError(msg) from e


def _openai() -> Any:
    try:
        import openai
    except ImportError as e:
        msg = "The openai package is not installed; 'pip install openai', or use an offline backend."
        raise BackendUnavailableError(msg) from e
    return openai
