"""The ``dedup`` command: parses options, calls one library function, renders the result.

Every :class:`~dedup.errors.DedupError` becomes one line on stderr and its exit code; no
traceback reaches a user unless ``--verbose`` is given for an internal error.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from dedup.cli_common import (
    EXPORT_FORMATS,
    EXPORT_NAMES,
    REPORT_FORMATS,
    REPORT_SORTS,
    Context,
    console,
    echo_json,
    format_option,
    global_options,
    output_option,
    run,
)
from dedup.cli_common import FORMATS as FORMATS  # the format vocabulary, re-exported
from dedup.cli_common import GLOBAL_OPTIONS as GLOBAL_OPTIONS
from dedup.cli_feeds import datasette_metadata_cmd, feeds
from dedup.errors import EXIT_CODES
from dedup.progress import configure_logging

_EXIT_HELP = "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())


def _say_created(missing: Path | None) -> None:
    """After the summary (so it still starts the output): the first run made the store."""
    if missing is not None and missing.exists():
        click.echo(f"created a new store at {missing}")


@click.group(
    help="Duplicate and syndication detector for news feeds.\n\n"
    "Polls feeds (or imports archives) into a SQLite store, finds paragraphs reused across "
    "articles, groups articles into stories and names who published first and what each "
    "copier kept, changed, dropped and added.\n\n"
    "--db, --config, --index, -v and -q may be given before or after the command.",
    epilog=f"Exit codes:\n\n\b\n{_EXIT_HELP}",  # \b: click keeps the lines as they are
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option("--db", metavar="PATH_OR_URL", help=GLOBAL_OPTIONS[0][1]["help"])
@click.option("--config", metavar="PATH", help=GLOBAL_OPTIONS[1][1]["help"])
@click.option("--index", metavar="URL", help=GLOBAL_OPTIONS[2][1]["help"])
@click.option("-v", "--verbose", is_flag=True, help=GLOBAL_OPTIONS[3][1]["help"])
@click.option("-q", "--quiet", is_flag=True, help=GLOBAL_OPTIONS[4][1]["help"])
@click.version_option(package_name="dedup")
@click.pass_context
def cli(
    ctx: click.Context,
    db: str | None,
    config: str | None,
    index: str | None,
    verbose: bool,
    quiet: bool,
) -> None:
    configure_logging(verbose)
    ctx.obj = Context(db=db, config=config, verbose=verbose, quiet=quiet, index=index)


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--source",
    help="Source name for every article, overriding the file's (default: the .txt/.html "
    "file stem, the JSONL `source` field, 'reuters' for .sgm).",
)
@click.option(
    "--include",
    multiple=True,
    metavar="GLOB",
    help="Read only files whose name or path matches (repeatable), e.g. --include '*.sgm'.",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Skip files whose name or path matches (repeatable), e.g. --exclude 'README*'.",
)
@click.option("--no-analyze", is_flag=True, help="Store only; run `dedup analyze` later.")
@format_option(("table", "json"), "table")
@global_options
@click.pass_obj
def import_cmd(
    obj: Context,
    paths: tuple[Path, ...],
    source: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    no_analyze: bool,
    fmt: str,
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
    becomes a new version of its article. Creates the store if there is none (and says so).
    """
    from dedup import pipeline, reading

    settings = run(obj.settings, obj.verbose)
    missing = reading.missing_store(settings)
    summary = run(
        lambda: pipeline.import_paths(
            settings,
            list(paths),
            source=source,
            analyze=not no_analyze,
            progress=obj.progress(),
            include=include,
            exclude=exclude,
        ),
        obj.verbose,
    )
    for bad in summary.bad:
        click.echo(f"dedup: skipped {bad}", err=True)
    if fmt == "json":
        echo_json(summary.as_dict())
    else:
        click.echo(summary.describe())
        _say_created(missing)


@cli.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--force", is_flag=True, help="Poll even feeds backing off after failures.")
@click.option("--no-analyze", is_flag=True, help="Store only; run `dedup analyze` later.")
@format_option(("table", "json"), "table")
@global_options
@click.pass_obj
def poll(obj: Context, names: tuple[str, ...], force: bool, no_analyze: bool, fmt: str) -> None:
    """Poll the feeds in feeds.yml that are due (or only NAME...), store new entries, analyze.

    Sends ETag/Last-Modified back (a 304 costs nothing), backs off from failing feeds and
    records each feed's health (see `dedup status`). Safe under cron: a second poll started
    while one runs exits at once with code 7, and a killed poll loses nothing. Creates the
    store if there is none (and says so).
    """
    from dedup import pipeline, reading

    settings = run(obj.settings, obj.verbose)
    missing = reading.missing_store(settings)
    summary = run(
        lambda: pipeline.poll(
            settings,
            analyze=not no_analyze,
            progress=obj.progress(),
            names=names,
            force=force,
        ),
        obj.verbose,
    )
    if fmt == "json":
        echo_json(summary.as_dict())
    else:
        click.echo(summary.describe())
        _say_created(missing)


@cli.command()
@format_option(("table", "json"), "table")
@global_options
@click.pass_obj
def status(obj: Context, fmt: str) -> None:
    """Show each feed's health, the store's counts and the last run's figures.

    Feeds no longer in feeds.yml are marked so (their history stays). Reads only.
    """
    from dedup import reading
    from dedup.report import status as status_mod

    data = run(lambda: reading.load_status(obj.settings()), obj.verbose)
    if fmt == "json":
        echo_json(data)
    else:
        # Piped (cron mail, a file): wide lines rather than cells wrapped at 80 columns.
        status_mod.render_status(data, console())


@cli.command()
@format_option(("table", "json"), "table")
@global_options
@click.pass_obj
def analyze(obj: Context, fmt: str) -> None:
    """Fingerprint new paragraphs, link reused passages and update stories.

    Costs what is new since the last run; with nothing new it does nothing.
    """
    from dedup import pipeline

    summary = run(lambda: pipeline.analyze(obj.settings(), progress=obj.progress()), obj.verbose)
    if fmt == "json":
        echo_json(summary.as_dict())
    else:
        click.echo(summary.describe())


@cli.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@format_option(("table", "json"), "table")
@global_options
@click.pass_obj
def reindex(obj: Context, yes: bool, fmt: str) -> None:
    """Rebuild the paragraph index with the current fingerprint settings.

    Needed after the shingle size, number of permutations or bands change: signatures made
    with different settings are never mixed.
    """
    from dedup import pipeline

    if not yes and sys.stdin.isatty():
        click.confirm("Drop the index and all reuse links and rebuild them?", abort=True)
    summary = run(lambda: pipeline.reindex(obj.settings(), progress=obj.progress()), obj.verbose)
    if fmt == "json":
        echo_json(summary.as_dict())
    else:
        click.echo(summary.describe())


@cli.command("export")
@click.argument("what", type=click.Choice(EXPORT_NAMES))
@format_option(EXPORT_FORMATS, "csv", "parquet needs pyarrow (pip install pyarrow).")
@output_option
@global_options
@click.pass_obj
def export_cmd(obj: Context, what: str, fmt: str, output: Path | None) -> None:
    """Export a researcher view: stories, articles, passages, ledger or sites.

    Writes the rows of the view of the same name in docs/schema.md (stories = story_articles,
    articles = article_texts, passages = reused_passages, ledger = ledger_lines, sites =
    site_records), streaming, so the store need not fit in memory. Reads only: safe to run
    beside a poll.
    """
    from dedup import reading

    stdout = sys.stdout.buffer
    summary = run(
        lambda: reading.export(obj.settings(), what, fmt, output, stdout, obj.progress()),
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
    "--sort",
    type=click.Choice(REPORT_SORTS),
    default="newest",
    show_default=True,
    help="Order of the list: by first publication, copier count, confidence or id.",
)
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Only the first N stories.")
@format_option(
    REPORT_FORMATS,
    "table",
    "json is the stable interface (see docs); jsonl is one story per line; html is one page.",
)
@output_option
@global_options
@click.pass_obj
def report_cmd(
    obj: Context,
    story_id: int | None,
    since: str | None,
    source: str | None,
    sort: str,
    limit: int | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Stories: who published first, and what each copier kept, changed, dropped and added.

    Without --story, one line per story (title, origin, confidence, copiers, first
    publication, size). With --story ID, the origin's evidence and each copier's ledger:
    sentence by sentence kept, edited (with a word diff), rewritten in its own words (beside
    the origin's sentence), dropped, moved and added. Reads only: safe beside a poll.
    """
    from dedup import reading
    from dedup.report import queries as report_mod
    from dedup.report import render as render_mod

    since_at = None
    if since is not None:
        try:
            since_at = report_mod.parse_since(since)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--since") from None
    # the HTML page sets every copier beside its origin, so it needs each story's ledgers
    data = run(
        lambda: reading.load_report(
            obj.settings(),
            story_id,
            since_at,
            source,
            ledgers=fmt == "html",
            sort=sort,
            limit=limit,
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
        return
    run(lambda: render_mod.write_output(output, text), obj.verbose)
    if not obj.quiet:
        count = len(data.stories)
        click.echo(
            f"wrote {count} stor{'y' if count == 1 else 'ies'} as {fmt} to {output}", err=True
        )


cli.add_command(feeds)
cli.add_command(datasette_metadata_cmd)


def main() -> None:
    cli(prog_name="dedup")
