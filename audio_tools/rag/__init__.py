"""Meeting search: transcripts chunked into documents, stored in Chroma, searched with citations.

Builds on :mod:`audio_tools`; used by :mod:`audio_tools.agents`. The repository's top-level
``rag/`` folder is a link here.
"""
