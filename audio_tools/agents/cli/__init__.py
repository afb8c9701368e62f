"""The ``audio-agent`` command line."""

from __future__ import annotations

from audio_tools.agents.cli.main import app, main

__all__ = ["app", "main"]
