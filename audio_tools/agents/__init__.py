"""The agent layer: LLM setup, the ReAct agent and the ``audio-agent`` command line.

Composes :mod:`audio_tools` and :mod:`audio_tools.rag`; nothing below imports it. Installed
only as ``audio_tools.agents`` (a top-level ``agents`` belongs to other projects, such as
``openai-agents``); the repository's top-level ``agents/`` folder is a link here.
"""
