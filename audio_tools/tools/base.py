"""What every audio tool shares: its workspace, error handling, async offloading and artifacts.

A tool's result is ``(content, artifact)``: a short sentence for the model (what was made,
how long, where, as a path relative to the workspace) and a dict for the application
(``path``, ``relative_path``, ``duration_s``, ``sample_rate``, ``format``, ``backend``...).
Every failure becomes a :class:`~langchain_core.tools.ToolException` whose text says what
went wrong and what to try, so that with ``handle_tool_error`` the agent reads it and goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal

from langchain_core.tools import BaseTool, ToolException
from pydantic import Field, ValidationError, field_validator

from audio_tools.audio import probe
from audio_tools.config import Settings
from audio_tools.errors import AudioToolsError
from audio_tools.retention import clean_outputs
from audio_tools.tools.echo import clip, model_text
from audio_tools.workspace import Workspace

__all__ = ["RETENTION_GRACE_S", "AudioTool", "describe_validation_error", "tool_errors"]

RETENTION_GRACE_S = 600.0  # never clean a file younger than this: a concurrent call may still be returning it
MAX_GIVEN_CHARS = 60  # of an invalid argument, repeated back


def describe_validation_error(error: ValidationError) -> str:
    """The model-facing text of bad arguments: each field, what is wrong, and to call again.

    What was given is repeated clipped and escaped (see :func:`~audio_tools.tools.echo.model_text`).
    """
    problems = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item.get("loc", ())) or "arguments"
        reason = str(item.get("msg", "is invalid")).removeprefix("Value error, ")
        given = item.get("input")
        shown = "" if isinstance(given, dict) else f" (got {clip(repr(given), MAX_GIVEN_CHARS)})"
        problems.append(f"{where}: {reason}{shown}")
    return model_text(f"Invalid arguments: {'; '.join(problems)}. Correct them (see the tool's schema) and call it "
                      f"again.")


@contextlib.contextmanager
def tool_errors(tool_name: str, root: Path | None = None) -> Iterator[None]:
    """Turn any failure inside the block into a :class:`ToolException` the model can act on.

    The text names files relative to the workspace ``root`` and hides private temp folders,
    escapes control and bidi characters and is clipped (see :func:`~audio_tools.tools.echo.model_text`).
    """
    try:
        yield
    except ToolException as e:
        raise ToolException(model_text(str(e), root)) from e
    except AudioToolsError as e:
        raise ToolException(model_text(f"{tool_name} failed: {e}", root)) from e
    except Exception as e:
        msg = (f"{tool_name} failed unexpectedly ({type(e).__name__}: {e}). "
               f"Try again with simpler input, or another tool.")
        raise ToolException(model_text(msg, root)) from e


class AudioTool(BaseTool):
    """Base of the audio tools: confined to one workspace, with caps and backends from its settings.

    Attributes:
        cancellable: whether ``_execute`` takes a ``cancel`` event, set when an async call is
            cancelled.
        workspace: the directory every input must lie in and outputs go to (``outputs/``);
            a path is accepted; from ``AUDIO_TOOLS_*`` variables when omitted.
        retention_s: after each write, remove outputs older than this (None: keep).
        max_output_bytes: after each write, remove the oldest outputs beyond this total.
    """

    workspace: Workspace = Field(default_factory=Workspace, exclude=True)
    retention_s: float | None = Field(default=None, ge=0)
    max_output_bytes: int | None = Field(default=None, ge=0)
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: Any = True
    handle_validation_error: Any = describe_validation_error
    cancellable: ClassVar[bool] = False

    @field_validator("workspace", mode="before")
    @classmethod
    def _workspace_from_path(cls, value: Any) -> Any:
        if isinstance(value, str | os.PathLike):
            return Workspace(value, Settings.from_env(workspace=value))
        return value

    @property
    def settings(self) -> Settings:
        """Caps, default backends and device of this tool's workspace."""
        return self.workspace.settings

    def _run(self, *args: Any, **kwargs: Any) -> tuple[str, dict[str, Any]]:
        with tool_errors(self.name, self.workspace.root):
            return self._execute(*args, **kwargs)

    async def _arun(self, *args: Any, **kwargs: Any) -> tuple[str, dict[str, Any]]:
        if not self.cancellable:
            return await asyncio.to_thread(self._run, *args, **kwargs)
        cancel = threading.Event()
        try:
            return await asyncio.to_thread(self._run, *args, cancel=cancel, **kwargs)
        finally:
            cancel.set()  # a cancelled caller stops the worker at its next checkpoint

    def _execute(self, *args: Any, **kwargs: Any) -> tuple[str, dict[str, Any]]:
        """Do the work (blocking); errors are translated by :meth:`_run`.

        Tools whose ``cancellable`` is true also take ``cancel``, a :class:`threading.Event`.
        """
        raise NotImplementedError

    def relative(self, path: Path) -> str:
        """``path`` relative to the workspace root, as the model should refer to it."""
        return path.relative_to(self.workspace.root).as_posix()

    def output_result(self, path: Path, backend: str, what: str, **extra: Any) -> tuple[str, dict[str, Any]]:
        """The content and artifact for a file just written, after opportunistic retention.

        Args:
            path: the new file under ``outputs/``.
            backend: the spec of the backend that made it.
            what: a few words for the model, e.g. ``"Speech"``.
            **extra: more artifact entries.
        """
        # Read back through the workspace's safe opening, never by a path whose folder could be swapped.
        with self.workspace.open_input(self.relative(path)) as opened:
            info = probe(opened, settings=self.settings)
        self._apply_retention()
        relative = self.relative(path)
        artifact = {
            "path": str(path),
            "relative_path": relative,
            "duration_s": round(info.duration, 3),
            "sample_rate": info.sample_rate,
            "format": path.suffix.lstrip("."),
            "backend": backend,
            "size_bytes": info.size_bytes,
            **extra,
        }
        content = f"{what}: {info.duration:.1f} s of {artifact['format']} audio saved to {relative} ({backend})."
        return model_text(content, self.workspace.root), artifact

    def _apply_retention(self) -> None:
        if self.retention_s is None and self.max_output_bytes is None:
            return
        clean_outputs(self.workspace, older_than_s=self.retention_s, max_total_bytes=self.max_output_bytes,
                      grace_s=RETENTION_GRACE_S)

