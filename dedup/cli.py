"""The ``dedup`` command: parses options, calls one library function, renders the result.

Every :class:`~dedup.errors.DedupError` becomes one line on stderr and its exit code; no
traceback reaches a user unless ``--verbose`` is given for an internal error.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from dedup import pipeline
from dedup.config import Settings, load_settings
from dedup.errors import EXIT_CODES, DedupError
from dedup.progress import NullProgress, Progress, RichProgress, configure_logging
from dedup.report import export as export_mod
from dedup.report import queries as report_mod
from dedup.report import render as render_mod
from dedup.report import status as status_mod

T = TypeVar("T")

_EXIT_HELP = "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())


@dataclass
class Context:
    db: str | None
    config: str | None
    verbose: bool
    quiet: bool

    def settings(self) -> Settings:
        return load_settings(self.config, self.db)

    def progress(self) -> Progress:
        if self.quiet or not sys.stderr.isatty():
            return NullProgress()
        return RichProgress()


def _run(func: Callable[[], T], verbose: bool) -> T:
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


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.group(
    help="Duplicate and syndication detector for news feeds.\n\n"
    "Polls feeds (or imports archives) into a SQLite store, finds paragraphs reused across "
    "articles, groups articles into stories and names who published first and what each "
    "copier kept, changed, dropped and added.",
    epilog=f"Exit codes:\n\n\b\n{_EXIT_HELP}",  # \b: click keeps the lines as they are
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    metavar="PATH_OR_URL",
    help="Database file or SQLAlchemy URL (default: $DEDUP_DB or db/dedup.sqlite).",
)
@click.option(
    "--config",
    metavar="PATH",
    help="Feeds and settings file (default: ./feeds.yml).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens to stderr.")
@click.option("-q", "--quiet", is_flag=True, help="Print results only: no progress bars.")
@click.version_option(package_name="dedup")
@click.pass_context
def cli(ctx: click.Context, db: str | None, config: str | None, verbose: bool, quiet: bool) -> None:
    configure_logging(verbose)
    ctx.obj = Context(db=db, config=config, verbose=verbose, quiet=quiet)


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--source",
    help="Source name for every article, overriding the file's (default: the .txt/.html "
    "file stem, the JSONL `source` field, 'reuters' for .sgm).",
)
@click.option("--no-analyze", is_flag=True, help="Store only; run `dedup analyze` later.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def import_cmd(
    obj: Context, paths: tuple[Path, ...], source: str | None, no_analyze: bool, fmt: str
) -> None:
    """Import archived articles: .txt, .html, .jsonl and Reuters .sgm files or folders.

    \b
    .txt    first non-empty line is the title; blank lines separate paragraphs
    .html   a saved page; its main text is extracted, comments and menus left out
    .jsonl  one JSON object per line: `source` and `text` or `html`, optional
            `title`, `url`, `published` (ISO 8601, UTC if no zone) and `id`
    .sgm    Reuters-21578 (reut2-*.sgm): each <REUTERS> with a <BODY>

    Folders are walked in sorted order. Bad records are named on stderr as file:line and
    skipped; the rest is stored. Importing the same file twice adds nothing; a changed file
    becomes a new version of its article.
    """
    summary = _run(
        lambda: pipeline.import_paths(
            obj.settings(),
            list(paths),
            source=source,
            analyze=not no_analyze,
            progress=obj.progress(),
        ),
        obj.verbose,
    )
    for bad in summary.bad:
        click.echo(f"dedup: skipped {bad}", err=True)
    if fmt == "json":
        _echo_json(summary.as_dict())
    else:
        click.echo(summary.describe())


@cli.command()
@click.option("--no-analyze", is_flag=True, help="Store only; run `dedup analyze` later.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def poll(obj: Context, no_analyze: bool, fmt: str) -> None:
    """Poll the feeds in feeds.yml that are due, store new entries, then analyze them.

    Sends ETag/Last-Modified back (a 304 costs nothing), backs off from failing feeds and
    records each feed's health (see `dedup status`). Safe under cron: a second poll started
    while one runs exits at once with code 7, and a killed poll loses nothing.
    """
    summary = _run(
        lambda: pipeline.poll(obj.settings(), analyze=not no_analyze, progress=obj.progress()),
        obj.verbose,
    )
    if fmt == "json":
        _echo_json(summary.as_dict())
    else:
        click.echo(summary.describe())


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def status(obj: Context, fmt: str) -> None:
    """Show each feed's health, the store's counts and the last run's figures."""
    data = _run(lambda: pipeline.load_status(obj.settings()), obj.verbose)
    if fmt == "json":
        _echo_json(data)
    else:
        # Piped (cron mail, a file): wide lines rather than cells wrapped at 80 columns.
        status_mod.render_status(data, Console(width=None if sys.stdout.isatty() else 160))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def analyze(obj: Context, fmt: str) -> None:
    """Fingerprint new paragraphs, link reused passages and update stories.

    Costs what is new since the last run; with nothing new it does nothing.
    """
    summary = _run(lambda: pipeline.analyze(obj.settings(), progress=obj.progress()), obj.verbose)
    if fmt == "json":
        _echo_json(summary.as_dict())
    else:
        click.echo(summary.describe())


@cli.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def reindex(obj: Context, yes: bool) -> None:
    """Rebuild the paragraph index with the current fingerprint settings.

    Needed after the shingle size, number of permutations or bands change: signatures made
    with different settings are never mixed.
    """
    if not yes and sys.stdin.isatty():
        click.confirm("Drop the index and all reuse links and rebuild them?", abort=True)
    summary = _run(lambda: pipeline.reindex(obj.settings(), progress=obj.progress()), obj.verbose)
    click.echo(summary.describe())


@cli.command("export")
@click.argument("what", type=click.Choice(list(export_mod.EXPORTS)))
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(list(export_mod.FORMATS)),
    default="csv",
    show_default=True,
    help="parquet needs pyarrow (pip install pyarrow).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output); written whole or not at all.",
)
@click.pass_obj
def export_cmd(obj: Context, what: str, fmt: str, output: Path | None) -> None:
    """Export a researcher view: stories, articles, passages, ledger or sites.

    Writes the rows of the view of the same name in docs/schema.md (stories = story_articles,
    articles = article_texts, passages = reused_passages, ledger = ledger_lines, sites =
    site_records), streaming, so the store need not fit in memory. Reads only: safe to run
    beside a poll.
    """
    stdout = sys.stdout.buffer
    summary = _run(
        lambda: pipeline.export(obj.settings(), what, fmt, output, stdout, obj.progress()),
        obj.verbose,
    )
    if output is not None and not obj.quiet:
        click.echo(summary.describe(), err=True)


@cli.command("report")
@click.option(
    "--story",
    "story_id",
    type=int,
    metavar="ID",
    help="One story with every member's ledger and word diffs.",
)
@click.option(
    "--since",
    metavar="DATE",
    help="Stories with a member published on or after DATE (YYYY-MM-DD, ISO time, "
    "or 7d / 12h ago).",
)
@click.option(
    "--source", metavar="NAME", help="Stories with a member from this source, or credited to it."
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(list(render_mod.RENDERERS)),
    default="table",
    show_default=True,
    help="json is the stable interface (see docs); html is one page.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@click.pass_obj
def report_cmd(
    obj: Context,
    story_id: int | None,
    since: str | None,
    source: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Stories: who published first, and what each copier kept, edited, dropped and added.

    Without --story, one line per story (origin, confidence, copiers, first seen, size). With
    --story ID, the origin's evidence and each copier's ledger: paragraph by paragraph kept,
    edited (with a word diff), dropped, moved and added. Reads only: safe beside a poll.
    """
    since_at = None
    if since is not None:
        try:
            since_at = report_mod.parse_since(since)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--since") from None
    # the HTML page sets every copier beside its origin, so it needs each story's ledgers
    data = _run(
        lambda: pipeline.load_report(
            obj.settings(), story_id, since_at, source, ledgers=fmt == "html"
        ),
        obj.verbose,
    )
    to_terminal = output is None and sys.stdout.isatty()
    options = render_mod.RenderOptions(
        color=to_terminal, width=shutil.get_terminal_size().columns if to_terminal else 120
    )
    text = render_mod.render(data, fmt, options)
    if output is None:
        click.echo(text, nl=False)
    else:
        _run(lambda: render_mod.write_output(output, text), obj.verbose)


def main() -> None:
    cli(prog_name="dedup")
