"""``audio-agent clean``: remove old generated files from ``<workspace>/outputs``.

Only files audio-agent wrote are removed; anything else in the folder is listed as skipped.
"""

from __future__ import annotations

from typing import Annotated

import typer

from audio_tools.agents.cli.common import JsonOption, emit, settings_of

SECONDS_PER_DAY = 86400.0


def clean_command(
    ctx: typer.Context,
    older_than: Annotated[
        str | None,
        typer.Option("--older-than", help="Remove outputs older than this: 30m, 12h, 7d "
                                          "(default: AUDIO_TOOLS_RETENTION_DAYS, 7 days)."),
    ] = None,
    max_size: Annotated[
        str | None,
        typer.Option("--max-size", help="Then remove the oldest outputs until the rest fit in this: 500MB, 2GB."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be removed.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Remove generated audio from the workspace's outputs folder by age and/or total size."""
    from audio_tools.retention import clean_outputs, parse_age, parse_size
    from audio_tools.workspace import Workspace

    settings = settings_of(ctx)
    workspace = Workspace(settings=settings)
    age = parse_age(older_than) if older_than is not None else None
    size = parse_size(max_size) if max_size is not None else None
    if age is None and size is None:
        age = settings.retention_days * SECONDS_PER_DAY
    report = clean_outputs(workspace, older_than_s=age, max_total_bytes=size, dry_run=dry_run)
    verb = "Would remove" if dry_run else "Removed"
    lines = [f"{verb} {len(report.removed)} file(s) from {workspace.outputs}.",
             *(f"  {p.name}" for p in report.removed)]
    if report.skipped:
        lines += [f"Skipped {len(report.skipped)} item(s) not written by audio-agent (never removed):",
                  *(f"  {p.name}" for p in report.skipped)]
    data = {"outputs": str(workspace.outputs), "dry_run": dry_run, "removed": [str(p) for p in report.removed],
            "skipped": [str(p) for p in report.skipped]}
    emit(data, as_json=as_json, text="\n".join(lines))
