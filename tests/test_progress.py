"""Progress and logging: bars on a terminal, nothing but results otherwise or with --quiet.

The end-to-end tests run ``.venv/bin/dedup`` in a subprocess with stderr on a pseudo-terminal
(the way a person sees it) and stdout on a pipe (the way cron or a script sees it).
"""

from __future__ import annotations

import fcntl
import io
import logging
import os
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest
from rich.console import Console

from dedup.progress import NullProgress, RichProgress, configure_logging

ROOT = Path(__file__).resolve().parent.parent
DEDUP = Path(sys.executable).with_name("dedup")


def _terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    console = Console(
        file=out, force_terminal=True, force_interactive=True, width=100, color_system=None
    )
    return console, out


def test_null_progress_shows_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with NullProgress().task("work", total=3) as task:
        task.advance()
        task.advance(2)
    assert capsys.readouterr() == ("", "")


def test_rich_progress_draws_each_task_and_clears_it() -> None:
    console, out = _terminal()
    progress = RichProgress(console)
    with progress.task("first step", total=2) as task:
        task.advance(2)
    assert not progress._bar.live.is_started
    assert progress._bar.tasks == []  # a finished bar does not linger into the next task
    with progress.task("second step", total=None) as task:
        task.advance()
    text = out.getvalue()
    assert "first step" in text and "second step" in text
    assert "2/2" in text


def test_rich_progress_nested_tasks_share_one_display() -> None:
    console, out = _terminal()
    progress = RichProgress(console)
    with progress.task("outer", total=1) as outer:
        with progress.task("inner", total=4) as inner:
            inner.advance(4)
            assert progress._bar.live.is_started
            assert [t.description for t in progress._bar.tasks] == ["outer", "inner"]
        assert progress._bar.live.is_started  # the inner task's end keeps the display
        outer.advance()
    assert not progress._bar.live.is_started
    assert "inner" in out.getvalue()


def test_rich_progress_stops_on_error() -> None:
    console, _ = _terminal()
    progress = RichProgress(console)
    with pytest.raises(RuntimeError), progress.task("doomed", total=1):
        raise RuntimeError("boom")
    assert not progress._bar.live.is_started and progress._bar.tasks == []


def test_verbose_logs_info_and_quiet_logs_warnings_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = logging.getLogger("dedup.test_progress")
    try:
        configure_logging(verbose=True)
        configure_logging(verbose=True)  # twice: still one line per record
        log.info("indexed 3 paragraphs")
        err = capsys.readouterr().err
        assert err.count("indexed 3 paragraphs") == 1
        assert "INFO dedup.test_progress" in err
        configure_logging(verbose=False)
        log.info("hidden detail")
        log.warning("feed x failed")
        err = capsys.readouterr().err
        assert "hidden detail" not in err and "feed x failed" in err
    finally:
        configure_logging(verbose=False)


def test_context_progress_follows_terminal_and_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup.cli import Context

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    assert isinstance(Context(None, None, False, False).progress(), RichProgress)
    assert isinstance(Context(None, None, False, True).progress(), NullProgress)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert isinstance(Context(None, None, False, False).progress(), NullProgress)


def _run_on_pty(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run dedup with stderr on a pseudo-terminal and stdout on a pipe."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    rich_overrides = (
        "NO_COLOR",
        "FORCE_COLOR",
        "TTY_COMPATIBLE",
        "TTY_INTERACTIVE",
        "COLUMNS",
        "LINES",
    )
    env = {k: v for k, v in os.environ.items() if k not in rich_overrides}
    env["TERM"] = "xterm-256color"
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        proc = subprocess.run(
            [str(DEDUP), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave,
            cwd=cwd,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        os.close(slave)
        reader.join(timeout=30)
        os.close(master)
    return proc.returncode, proc.stdout.decode(), b"".join(chunks).decode(errors="replace")


def test_terminal_shows_progress_pipe_gets_results_only(tmp_path: Path) -> None:
    db = tmp_path / "pty.sqlite"
    code, out, err = _run_on_pty(
        ["--db", str(db), "import", "--no-analyze", str(ROOT / "examples" / "seeds")], tmp_path
    )
    assert code == 0, err
    assert "importing" in err  # the bar was drawn on the terminal
    assert "\x1b[" in err  # with terminal control sequences
    assert out.startswith("imported 5 new")
    assert "\x1b" not in out and "importing" not in out


def test_quiet_terminal_shows_no_progress(tmp_path: Path) -> None:
    db = tmp_path / "quiet.sqlite"
    code, out, err = _run_on_pty(
        ["--db", str(db), "--quiet", "import", "--no-analyze", str(ROOT / "examples" / "seeds")],
        tmp_path,
    )
    assert code == 0, err
    assert err == ""
    assert out.startswith("imported 5 new")


def test_verbose_on_terminal_logs(tmp_path: Path) -> None:
    db = tmp_path / "verbose.sqlite"
    code, out, err = _run_on_pty(
        ["--db", str(db), "--verbose", "import", str(ROOT / "examples" / "seeds")], tmp_path
    )
    assert code == 0, err
    assert " INFO dedup." in err
    assert out.startswith("imported 5 new")


def test_not_a_terminal_gets_results_only(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            str(DEDUP),
            "--db",
            str(tmp_path / "pipe.sqlite"),
            "import",
            "--no-analyze",
            str(ROOT / "examples" / "seeds"),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert proc.stdout.decode().startswith("imported 5 new")
