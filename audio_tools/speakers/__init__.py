"""Who spoke when: offline speaker labels from a small speaker encoder shipped in this package."""

from __future__ import annotations
