"""The story report as rich tables for a person: the story list, or one story with its ledgers."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dedup.report.model import LedgerLine, Report, ReportStory
from dedup.text.shares import percent


def _day(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "–"


def _clip(value: object, limit: int = 300) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_table(report: Report, color: bool = False, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
    )
    if not report.stories:
        console.print(report.empty_message())
    elif report.has_detail:
        for story in report.stories:
            _detail(console, story)
    else:
        console.print(_listing(report))
    return buffer.getvalue()


def _listing(report: Report) -> Table:
    stories = report.stories
    title = f"{len(stories)} stor{'y' if len(stories) == 1 else 'ies'}"
    if report.total is not None and report.total > len(stories):
        title += f" of {report.total} (--limit)"
    table = Table(title=title)
    # An archive of bare texts (ECB+, Reuters bodies) has no titles: no column of blanks.
    titled = any(story.title.strip() for story in stories)
    columns = ("story", "title", "origin", "conf.", "copies", "published", "articles", "reuse")
    # Title and copiers fold; the short columns stay whole, so a name is never cut in two.
    for name in columns if titled else tuple(c for c in columns if c != "title"):
        folds = name in ("title", "copies")
        table.add_column(name, overflow="fold", no_wrap=not folds, ratio=2 if folds else None)
    for story in stories:
        origin = story.origin
        copies = story.copies
        names = ", ".join(a.publisher for a in copies[:3]) + (" …" if len(copies) > 3 else "")
        reuse = (
            sum(a.kept + a.edited + a.rewritten for a in copies) / len(copies) if copies else 0.0
        )
        table.add_row(
            str(story.id),
            *([_clip(story.title, 120)] if titled else []),
            origin.name + (" (external)" if origin.external else ""),
            f"{origin.confidence or 0.0:.2f}",
            f"{len(copies)}: {names}",
            # the first publication a member claims; the dedup-stored time when none does
            _day(story.first_published) if story.first_published else "–",
            str(story.size),
            percent(reuse),
        )
    return table


_DETAIL_COLUMNS = (
    "article",
    "source",
    "role",
    "published",
    "shared",
    "kept",
    "edited",
    "rewritten",
    "dropped",
    "added",
)


def _detail(console: Console, story: ReportStory) -> None:
    origin = story.origin
    console.print(
        f"[bold]Story {story.id}[/bold]: "
        # the stored name of an unknown origin is "origin unknown" itself
        + ("origin unknown" if origin.unknown else f"origin {origin.name}")
        + (" (external, not in the store)" if origin.external else "")
        + f", confidence {origin.confidence or 0.0:.2f}"
    )
    for evidence in origin.evidence:
        console.print(Text(f"  • {evidence}"))
    # Ten columns of figures fill a terminal: the headlines go under the table, one line
    # each, so no column is squeezed to a word a line. Only the source name may fold.
    table = Table()
    for name in _DETAIL_COLUMNS:
        table.add_column(name, overflow="fold", no_wrap=name != "source")
    for a in story.articles:
        table.add_row(
            str(a.article_id),
            a.publisher,
            a.role,
            _day(a.published),
            str(a.shared_paragraphs),
            percent(a.kept) + ("" if a.kept_upper is None else f" (≤{percent(a.kept_upper)})"),
            percent(a.edited),
            percent(a.rewritten),
            percent(a.dropped)
            + ("" if a.dropped_upper is None else f" (≥{percent(a.dropped_upper)})"),
            percent(a.added),
        )
    console.print(table)
    titled = [a for a in story.articles if a.title and a.title.strip()]
    if titled:  # an archive of bare texts has none: no list of empty lines
        console.print("Headlines:")
        for a in titled:
            console.print(Text(f"  {a.article_id} ({a.publisher}): {_clip(a.title, 200)}"))
    if any(a.kept_upper is not None for a in story.articles):
        console.print(
            "Against an external origin the ledgers are lower bounds: its text is rebuilt from "
            "what copies share (except where a copy wrote its own paragraph between two it "
            "took: that can be read as origin text). In brackets, kept and dropped if all of a "
            "copy's own text (added) were origin text."
        )
    for a in story.articles:
        if a.role == "origin" or not a.ledger:
            continue
        console.print(f"\n[bold]{a.publisher}[/bold] (article {a.article_id}) against the origin:")
        for line in a.ledger:
            console.print(_ledger_text(line))
    _retellings(console, story)


def _retellings(console: Console, story: ReportStory) -> None:
    if not story.retellings:
        return
    count = len(story.retellings)
    many = count > 1
    console.print(
        f"\n[bold]Retellings[/bold]: {count} article{'s' if many else ''} "
        f"{'credit' if many else 'credits'} {story.origin.name} and "
        f"{'say' if many else 'says'} what it says in {'their' if many else 'its'} own words, "
        "sharing no passage (not counted as copies):"
    )
    for a in story.retellings:
        console.print(
            Text(
                f"  {a.publisher} (article {a.article_id}), {_day(a.published or a.first_seen)}: "
                f"rewritten {percent(a.rewritten)} of the origin, its own words "
                f"{percent(a.added)}; credit: “{_clip(a.credit, 200)}”"
            )
        )
        for line in a.ledger or []:
            console.print(_ledger_text(line))


def _ledger_text(line: LedgerLine) -> Text:
    op = line.op
    label = op + (" (moved)" if line.moved else "")
    if line.similarity is not None and op == "edited":
        label += f" {line.similarity:.2f}"
    text = Text(f"  [{label}] ", style="bold")
    if op == "edited" and line.diff:
        for part_op, words in line.diff:
            style = {"-": "red strike", "+": "green"}.get(part_op, "")
            marked = {"-": f"[-{words}-]", "+": f"{{+{words}+}}"}.get(part_op, words)
            text.append(marked + " ", style=style)
    elif op == "dropped":
        text.append(_clip(line.origin_text), style="red")
    elif op in ("added", "template"):
        text.append(_clip(line.copy_text), style="blue" if op == "added" else "dim")
    else:
        text.append(_clip(line.copy_text or line.origin_text))
    # a rewritten sentence beside the origin sentence it says again
    for origin, copy in line.rewrites:
        text.append("\n      origin sentence: ", style="bold")
        text.append(_clip(origin), style="red")
        text.append("\n      rewritten as:    ", style="bold")
        text.append(_clip(copy), style="green")
    return text
