"""The agent layer: LLM setup, the ReAct agent and the ``audio-agent`` command line.

Composes :mod:`audio_tools` and :mod:`rag`. Note: another PyPI project (``openai-agents``)
also installs a top-level package named ``agents``; do not install both in one environment.
"""
