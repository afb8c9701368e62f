"""Meeting search: transcripts chunked into documents, stored in Chroma, searched with citations.

Builds on :mod:`audio_tools`; used by :mod:`agents`.
"""
