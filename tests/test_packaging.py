"""dedup as a package: the built wheel, installed in a fresh venv outside the checkout, runs.

The wheel is built from a copy of the files git tracks or would track (so the checkout gets
no ``build/``), and installed with ``pip install --no-deps`` into a new venv under tmp_path.
Its runtime dependencies come from this test's own environment, but only those the wheel declares
(``Requires-Dist``, followed transitively): each is linked into one folder that a ``.pth``
file adds to the new venv. So the test needs no network, and an import of a package the
wheel does not declare (a test extra such as datasketch or pyarrow) fails it.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_requirements(requires: list[str]) -> list[Requirement]:
    """Requirements that apply without extras, on this interpreter."""
    out = []
    for line in requires:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append(req)
    return out


def _closure(requires: list[str]) -> dict[str, md.Distribution]:
    """The installed distributions ``requires`` needs, transitively (extras not followed)."""
    found: dict[str, md.Distribution] = {}
    todo = [r.name for r in _runtime_requirements(requires)]
    while todo:
        name = _canonical(todo.pop())
        if name in found:
            continue
        dist = md.distribution(name)
        found[name] = dist
        todo.extend(r.name for r in _runtime_requirements(dist.requires or []))
    return found


def _link_dependencies(dists: dict[str, md.Distribution], target: Path) -> None:
    """Symlink each distribution's top-level files and folders (metadata too) into ``target``."""
    target.mkdir()
    for dist in dists.values():
        for file in dist.files or []:
            top = Path(str(file)).parts[0]
            if top in ("..", "__pycache__") or top.endswith(".pth"):
                continue  # scripts outside site-packages; editable finders
            source = Path(str(dist.locate_file(top)))
            link = target / top
            if source.exists() and not link.exists():
                link.symlink_to(source)


def _tracked_copy(dest: Path) -> Path:
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        path = ROOT / os.fsdecode(name)
        if path.is_file():
            (dest / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest / os.fsdecode(name))
    return dest


def _wheel_requires(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(meta).decode("utf-8")
    return [
        line.split(":", 1)[1].strip()
        for line in text.splitlines()
        if line.startswith("Requires-Dist:")
    ]


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr}"
    return proc.stdout + proc.stderr


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    before = _git_status()
    source = _tracked_copy(tmp_path / "src")
    dist = tmp_path / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(source),
        ],
        tmp_path,
        dict(os.environ),
    )
    (wheel,) = dist.glob("dedup-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "dedup/store/migrations/env.py" in names
    assert any(n.startswith("dedup/store/migrations/versions/0001_") for n in names)
    assert "dedup/store/sql_views/story_articles.sql" in names
    assert "dedup/report/queries.md" in names  # the canned queries of datasette-metadata

    requires = _wheel_requires(wheel)
    assert not any(_canonical(r.name) == "datasketch" for r in _runtime_requirements(requires))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False, symlinks=True)
    python = env_dir / "bin" / "python"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        tmp_path,
        dict(os.environ),
    )
    deps = tmp_path / "deps"
    _link_dependencies(_closure(requires), deps)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "runtime-deps.pth").write_text(f"{deps}\n", encoding="utf-8")

    work = tmp_path / "work"  # a user's folder: the bundled feeds and feeds.yml only
    work.mkdir()
    shutil.copytree(ROOT / "examples" / "feeds", work / "examples" / "feeds")
    shutil.copy2(ROOT / "feeds.yml", work / "feeds.yml")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DEDUP_DB")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    located = _run([str(python), "-c", "import dedup; print(dedup.__file__)"], work, env)
    assert located.strip().startswith(str(env_dir)), located  # the wheel, not the checkout
    dedup = str(env_dir / "bin" / "dedup")
    assert "dedup" in _run([dedup, "--version"], work, env)
    polled = _run([dedup, "-q", "poll"], work, env)
    assert "created a new store" in polled
    assert "polled 5 of 5 feed(s)" in polled
    _run([dedup, "-q", "import", str(ROOT / "examples" / "seeds")], work, env)
    _run([dedup, "-q", "analyze"], work, env)
    report = _run([dedup, "report", "--format", "json"], work, env)
    assert '"stories"' in report and "Joe.My.God." in report
    metadata = json.loads(_run([dedup, "datasette-metadata"], work, env))
    assert len(metadata["databases"]["dedup"]["queries"]) >= 15
    assert _git_status() == before  # the checkout is left as it was


def _git_status() -> str:
    """Untracked and changed files, and the top-level build folders a wheel build could leave."""
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    return status + " ".join(n for n in ("build", "dist") if (ROOT / n).exists())


def _third_party_imports() -> set[str]:
    stdlib = set(sys.stdlib_module_names)
    found: set[str] = set()
    for path in (ROOT / "dedup").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in stdlib and top != "dedup":
                    found.add(top)
    return found


# Imported only behind a clear "install this extra" error (optional features).
OPTIONAL = {"pyarrow", "psycopg", "redis"}


def test_runtime_dependencies_are_what_the_code_imports() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_canonical(Requirement(r).name) for r in project["dependencies"]}
    providers = md.packages_distributions()
    imported = {
        _canonical(providers[name][0])
        for name in _third_party_imports() - OPTIONAL
        if name in providers
    }
    assert _third_party_imports() - OPTIONAL <= set(providers), "an import no package provides"
    # lxml_html_clean is imported by justext through trafilatura, under lxml.html.clean
    assert declared - imported == {"lxml-html-clean"}
    assert imported <= declared
    assert "datasketch" not in declared and "scikit-learn" not in declared
