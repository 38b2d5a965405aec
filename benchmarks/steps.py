"""Benchmarks run each measured step in a fresh interpreter, so one step's peak memory and
caches never colour the next: ``script --step ARGS...`` prints its figures as a JSON line."""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent.parent / "dedup"
_compiled = False


def compile_package() -> None:
    """Compile dedup's modules to bytecode once, before anything is measured.

    Installing a wheel compiles a package's modules; an editable install leaves it to the first
    import, and under ``PYTHONDONTWRITEBYTECODE`` (set on some machines, CI's among them) no
    import ever writes it, so every measured process would compile all of dedup from source
    (0.5 s of the main process and 0.2 s of each worker on Reuters) while the baseline's
    datasketch, installed from a wheel, runs from bytecode.
    """
    global _compiled
    if not _compiled:
        compileall.compile_dir(PACKAGE, quiet=1)
        _compiled = True
        if os.environ.get("PYTHONDONTWRITEBYTECODE"):
            print("bytecode: dedup compiled before the runs (PYTHONDONTWRITEBYTECODE is set)")


def run_step(script: str, *args: str) -> dict[str, Any]:
    """Run ``script --step ARGS...`` and return the JSON object on its last line of output."""
    compile_package()
    out = subprocess.run(
        [sys.executable, script, "--step", *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def write_jsonl(records: Iterable[Any], path: Path) -> Path:
    """Article records as the JSON Lines ``dedup import`` reads (source, id, title, text,
    published), for the benchmarks' stores built from Reuters."""
    with path.open("w", encoding="utf-8") as out:
        for r in records:
            item = {
                "source": r.source,
                "id": r.key.rsplit(":", 1)[-1],
                "title": r.title,
                "text": r.text,
                "published": r.published.isoformat() if r.published else None,
            }
            out.write(json.dumps(item) + "\n")
    return path
