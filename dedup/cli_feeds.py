"""``dedup feeds`` and ``dedup datasette-metadata``: the commands about a store's surroundings.

``feeds list|add|remove`` read and edit ``feeds.yml`` (comments kept, see
:mod:`dedup.feeds_file`); ``datasette-metadata`` describes the store for Datasette.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from dedup.cli_common import Context, console, echo_json, format_option, global_options, run
from dedup.config import DEFAULT_CONFIG


@click.group()
def feeds() -> None:
    """List, add and remove the feeds of feeds.yml (its comments are kept)."""


def _config_path(obj: Context) -> Path:
    return Path(obj.config) if obj.config else Path(DEFAULT_CONFIG)


@feeds.command("list")
@format_option(("table", "json"), "table")
@global_options
@click.pass_obj
def feeds_list(obj: Context, fmt: str) -> None:
    """The feeds of feeds.yml with their health, and stored feeds no longer listed there."""
    from dedup import reading
    from dedup.report import status as status_mod

    rows = run(lambda: reading.list_feeds(obj.settings()), obj.verbose)
    if fmt == "json":
        echo_json(rows)
    elif not rows:
        click.echo(f"no feeds in {_config_path(obj)}: add one with `dedup feeds add URL`")
    else:
        console().print(status_mod.feeds_table(rows))


@feeds.command("add")
@click.argument("url")
@click.option("--name", help="The feed's key (default: made from the feed's title).")
@click.option("--site", help="The publisher's display name (default: the feed's title).")
@global_options
@click.pass_obj
def feeds_add(obj: Context, url: str, name: str | None, site: str | None) -> None:
    """Fetch URL once to check it is a feed, then add it to feeds.yml.

    The next `dedup poll` (or `dedup poll NAME`) polls it.
    """
    from dedup import pipeline

    config = _config_path(obj)
    added = run(
        lambda: pipeline.add_feed(obj.settings(), config, url, name=name, site=site), obj.verbose
    )
    click.echo(
        f"added feed {added.name!r}"
        + (f" ({added.site})" if added.site else "")
        + f" to {added.config}: {added.entries} entr{'y' if added.entries == 1 else 'ies'} now; "
        f"`dedup poll {added.name}` polls it"
    )


@feeds.command("remove")
@click.argument("name")
@global_options
@click.pass_obj
def feeds_remove(obj: Context, name: str) -> None:
    """Remove the feed NAME from feeds.yml; its articles and history stay in the store."""
    from dedup import pipeline

    config = _config_path(obj)
    run(lambda: pipeline.remove_feed(config, name), obj.verbose)
    click.echo(f"removed feed {name!r} from {config}; its stored articles are kept")


@click.command("datasette-metadata")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@click.option(
    "--queries",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Markdown file whose ### headings and ```sql blocks become canned queries "
    "(default: docs/queries.md, shipped with dedup).",
)
@global_options
@click.pass_obj
def datasette_metadata_cmd(obj: Context, output: Path | None, queries: Path | None) -> None:
    """Datasette metadata for a store: table and column descriptions, and canned queries.

    The database is named after the store's file (db/dedup.sqlite -> dedup), as Datasette
    names it.

    \b
    dedup datasette-metadata -o metadata.json
    datasette db/dedup.sqlite -m metadata.json
    """
    from dedup.report import datasette as datasette_mod
    from dedup.report import render as render_mod
    from dedup.store.files import sqlite_path

    settings = run(obj.settings, obj.verbose)
    path = sqlite_path(settings.db_url)
    database = path.stem if path is not None else "dedup"
    doc = queries or datasette_mod.QUERIES_DOC
    text = (
        json.dumps(datasette_mod.datasette_metadata(database, doc), indent=2, ensure_ascii=False)
        + "\n"
    )
    if output is None:
        click.echo(text, nl=False)
        return
    run(lambda: render_mod.write_output(output, text), obj.verbose)
    if not obj.quiet:
        click.echo(f"wrote Datasette metadata to {output}", err=True)
