"""What every ``dedup`` command shares: its context, error mapping, global and format options.

:func:`run` calls the library and turns every :class:`~dedup.errors.DedupError` into one line
on stderr and its exit code; :func:`global_options` lets ``--db``, ``--config``, ``--index``,
``-v`` and ``-q`` follow a subcommand as well as precede it; :func:`format_option` gives each
command ``-f/--format`` from the one vocabulary :data:`FORMATS`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dedup.config import Settings, load_settings
from dedup.errors import DedupError
from dedup.progress import NullProgress, Progress, RichProgress, configure_logging

if TYPE_CHECKING:
    from rich.console import Console

# The choices of `export` and `report`, named here so that building the command line imports
# no library (tests/test_startup.py checks them against dedup.report).
EXPORT_NAMES = ("stories", "articles", "passages", "ledger", "sites")
EXPORT_FORMATS = ("csv", "jsonl", "parquet")
REPORT_SORTS = ("newest", "oldest", "copies", "confidence", "id")
REPORT_FORMATS = ("table", "json", "jsonl", "csv", "html")

T = TypeVar("T")


@dataclass
class Context:
    db: str | None
    config: str | None
    verbose: bool
    quiet: bool
    index: str | None = None

    def settings(self) -> Settings:
        return load_settings(self.config, self.db, self.index)

    def progress(self) -> Progress:
        if self.quiet or not sys.stderr.isatty():
            return NullProgress()
        return RichProgress()


def run(func: Callable[[], T], verbose: bool) -> T:
    """Call the library; map its errors to one line and an exit code."""
    try:
        return func()
    except DedupError as exc:
        click.echo(f"dedup: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("dedup: interrupted; committed work is kept, rerun to continue", err=True)
        sys.exit(130)
    except BrokenPipeError:
        raise  # the reader went away (`dedup export | head`): click exits quietly
    except Exception as exc:
        if verbose:
            raise
        click.echo(
            f"dedup: internal error: {type(exc).__name__}: {exc} "
            "(rerun with --verbose for the traceback and please report it)",
            err=True,
        )
        sys.exit(1)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# One format vocabulary for every command that prints data; each offers the names it can write.
FORMATS = ("table", "json", "jsonl", "csv", "html", "parquet")


F = TypeVar("F", bound=Callable[..., Any])


def format_option(
    choices: tuple[str, ...], default: str, help: str | None = None
) -> Callable[[F], F]:
    assert set(choices) <= set(FORMATS)
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help=help,
    )


# -o/--output of every command that writes a file; the library writes it whole or not at all.
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output); written whole or not at all.",
)


def _set_global(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """A global option given after the subcommand: it overrides the one before it."""
    if value is None or value is False:
        return
    obj = ctx.find_object(Context)
    if obj is None:  # pragma: no cover - the group always creates it first
        return
    setattr(obj, str(param.name), value)
    if param.name == "verbose":
        configure_logging(True)


def global_options(func: F) -> F:
    """--db, --config, --index, -v and -q, accepted after the subcommand as well as before it."""
    for decl, kwargs in reversed(GLOBAL_OPTIONS):
        func = click.option(*decl, **kwargs, expose_value=False, callback=_set_global)(func)
    return func


GLOBAL_OPTIONS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (
        ("--db",),
        {
            "metavar": "PATH_OR_URL",
            "help": "Database file or SQLAlchemy URL (default: $DEDUP_DB or db/dedup.sqlite).",
        },
    ),
    (("--config",), {"metavar": "PATH", "help": "Feeds and settings file (default: ./feeds.yml)."}),
    (
        ("--index",),
        {
            "metavar": "URL",
            "help": "Paragraph index on a shared server, e.g. redis://host:6379/0 "
            "(default: $DEDUP_INDEX, or kept in the store).",
        },
    ),
    (("-v", "--verbose"), {"is_flag": True, "help": "Log what happens to stderr."}),
    (("-q", "--quiet"), {"is_flag": True, "help": "Print results only: no progress bars."}),
]


def console() -> Console:
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160)
