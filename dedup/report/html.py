"""The story report as one self-contained HTML page: a pure function from the report to text.

Input is the typed :class:`~dedup.report.model.Report` (or its JSON shape, as
``dedup report --format json`` prints it). The page needs no network. Its CSS and its one script
(the index's search, filters and sorting, :mod:`dedup.report.html_index`) are inline and pinned
by their hashes in a strict Content-Security-Policy, so no other script can run, even one a
rendering bug let through. Every piece of article text is written by strangers (feed content)
and is escaped; only ``http``/``https`` URLs become links.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from dedup.report.html_index import CSS as INDEX_CSS
from dedup.report.html_index import SCRIPT, SCRIPT_HASH, story_index
from dedup.report.model import DiffPart, LedgerLine, Origin, Report, ReportArticle, ReportStory
from dedup.text.shares import percent

_CSS = """
:root { --kept: #d9f2d9; --edit: #fff2c2; --drop: #f8d7da; --add: #dbe9ff; --muted: #666; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1b1b1b;
       background: #fafafa; }
header.page, main { max-width: 1280px; margin: 0 auto; padding: 0 1rem; }
header.page { padding-top: 1rem; }
h1 { font-size: 1.5rem; margin: .2rem 0; }
h2 { font-size: 1.25rem; margin: 0 0 .3rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .4rem; }
.muted { color: var(--muted); }
nav.stories ol { padding-left: 1.4rem; }
nav.stories li { margin: .2rem 0; }
section.story { background: #fff; border: 1px solid #ddd; border-radius: 6px; margin: 1.2rem 0;
                padding: 1rem; }
.origin-box { border-left: 4px solid #2f6f2f; padding: .3rem .8rem; background: #f4faf4; }
.origin-box ul { margin: .3rem 0; }
table.timeline, table.figures { border-collapse: collapse; margin: .4rem 0; }
table.timeline td, table.timeline th, table.figures td, table.figures th {
  border-bottom: 1px solid #eee; padding: .2rem .6rem; text-align: left; vertical-align: top; }
svg.timeline { width: 100%; height: 64px; display: block; }
svg.timeline line { stroke: #999; }
svg.timeline circle.origin { fill: #2f6f2f; }
svg.timeline circle.copy { fill: #8a5a00; }
svg.timeline text { font-size: 11px; fill: #333; }
.pair { margin-top: 1rem; border-top: 2px solid #eee; padding-top: .5rem; }
.ledger { display: grid; grid-template-columns: 1fr 1fr; gap: 2px 1rem; }
.ledger .colhead { font-weight: 600; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
.ledger .cell { padding: .35rem .5rem; border-radius: 3px; white-space: pre-wrap;
                overflow-wrap: anywhere; }
.ledger .op { font-size: .72rem; text-transform: uppercase; letter-spacing: .04em;
              color: var(--muted); display: block; }
.kept { background: var(--kept); }
.edited { background: var(--edit); }
.dropped { background: var(--drop); text-decoration: line-through; color: #7a1f27; }
.added { background: var(--add); border-left: 4px solid #3465a4; font-style: italic; }
.template { background: #eee; color: var(--muted); }
.empty { background: repeating-linear-gradient(45deg, #fafafa, #fafafa 6px, #f0f0f0 6px,
         #f0f0f0 12px); color: var(--muted); }
table.figures .dropped, table.figures .added { text-decoration: none; font-style: normal; }
del.w { background: #f3a6ae; text-decoration: line-through; }
ins.w { background: #9fd99f; text-decoration: none; font-weight: 600; }
.badge { display: inline-block; font-size: .72rem; border: 1px solid #bbb; border-radius: 3px;
         padding: 0 .3rem; margin-left: .3rem; color: #444; background: #fff; }
.bar { display: block; width: 260px; height: 12px; }
footer { max-width: 1280px; margin: 2rem auto; padding: 0 1rem; color: var(--muted); }
"""

_ROLE_ORDER = {"origin": 0, "copy": 1}


def render_html(
    report: Report | Mapping[str, Any],
    title: str = "dedup story report",
    generated_at: datetime | None = None,
) -> str:
    """The whole page for ``report`` (typed, or its JSON shape), every string escaped."""
    typed = report if isinstance(report, Report) else Report.from_dict(report)
    stories = typed.stories
    when = (generated_at or datetime.now(UTC)).astimezone(UTC)
    css = _CSS + INDEX_CSS
    css_hash = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    csp = (
        "default-src 'none'; "
        f"style-src 'sha256-{css_hash}'; "
        f"script-src 'sha256-{SCRIPT_HASH}'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    articles = sum(s.size for s in stories)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_esc(csp)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{css}</style>",
        "</head>",
        "<body>",
        '<header class="page">',
        f"<h1>{_esc(title)}</h1>",
        f'<p class="muted">{len(stories)} stor{"y" if len(stories) == 1 else "ies"}, '
        f"{articles} article(s); generated {_esc(when.strftime('%Y-%m-%d %H:%M UTC'))} "
        "by dedup.</p>",
        "</header>",
        "<main>",
        story_index(typed),
        *(_story(story, alone=len(stories) == 1) for story in stories),
        "</main>",
        "<footer>Kept text is highlighted green, edited words are marked (removed "
        '<del class="w">struck</del>, inserted <ins class="w">bold</ins>), dropped '
        "paragraphs are struck through and text a copier added is set apart in blue.</footer>",
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def safe_url(url: object) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (never a ``javascript:`` link)."""
    if not isinstance(url, str):
        return None
    candidate = url.strip()
    if any(ord(ch) < 32 or ch.isspace() for ch in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return candidate


def _link(text: object, url: object) -> str:
    href = safe_url(url)
    if href is None:
        return _esc(text)
    return f'<a href="{_esc(href)}" rel="noopener noreferrer nofollow">{_esc(text)}</a>'


def _story_heading(story: ReportStory) -> str:
    return story.title or f"story {story.id}"


def _story(story: ReportStory, alone: bool = False) -> str:
    sid = story.id
    articles = sorted(
        story.articles, key=lambda a: (_ROLE_ORDER.get(a.role, 2), str(a.published or ""))
    )
    origin = story.origin_article
    copies = [a for a in articles if a.role != "origin"]
    parts = [
        # alone: a one-story report shows it at once; otherwise its index link opens it
        f'<section class="story{" open" if alone else ""}" id="story-{sid}">',
        "" if alone else '<p><a href="#index">← all stories</a></p>',
        f'<h2>{_esc(_story_heading(story))} <span class="muted">#{sid}</span></h2>',
        _origin_box(story.origin, origin),
        "<h3>Timeline</h3>",
        _timeline(articles),
    ]
    if not copies:
        parts.append('<p class="muted">No copies recorded for this story.</p>')
    parts.extend(_pair(story.origin, origin, copy) for copy in copies)
    if story.retellings:
        parts.append(
            '<h3>Retellings</h3><p class="muted">These credit the origin and say what it '
            "says in their own words, sharing no passage: not counted as copies.</p>"
        )
        parts.extend(_pair(story.origin, origin, r) for r in story.retellings)
    parts.append("</section>")
    return "\n".join(parts)


def _origin_box(origin: Origin, article: ReportArticle | None) -> str:
    confidence = origin.confidence
    conf = f"{confidence:.0%}" if confidence is not None else "n/a"
    name = "unknown: no candidate is likely enough to name" if origin.unknown else _esc(origin.name)
    if origin.external:
        name += ' <span class="badge">not in the store: credited by the copies</span>'
    elif article is not None:
        name += f" — {_link(article.title or 'the article', article.url)}"
    evidence = origin.evidence
    items = "".join(f"<li>{_esc(e)}</li>" for e in evidence) or "<li>none recorded</li>"
    return (
        '<div class="origin-box">'
        f"<p><strong>Origin:</strong> {name} "
        f'<span class="muted">(confidence {_esc(conf)})</span></p>'
        f'<p><strong>Evidence</strong></p><ul class="evidence">{items}</ul></div>'
    )


def _parse_time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _delay(delta_seconds: float) -> str:
    sign = "-" if delta_seconds < 0 else "+"
    minutes = int(abs(delta_seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days} d {hours} h"
    if hours:
        return f"{sign}{hours} h {mins} min"
    return f"{sign}{mins} min"


def _timeline(articles: Sequence[ReportArticle]) -> str:
    timed = [(a, _parse_time(a.published)) for a in articles]
    known = sorted(((t, a) for a, t in timed if t is not None), key=lambda p: p[0])
    start = known[0][0] if known else None
    rows = []
    undated = [(a, None) for a, t in timed if t is None]
    for article, when in [(a, t) for t, a in known] + undated:
        when_text = when.strftime("%Y-%m-%d %H:%M UTC") if when else "unknown"
        delay = _delay((when - start).total_seconds()) if when and start else ""
        seen = _parse_time(article.first_seen)
        seen_text = seen.strftime("%Y-%m-%d %H:%M UTC") if seen else ""
        rows.append(
            f'<tr><td>{_esc(when_text)}</td><td class="muted">{_esc(delay)}</td>'
            f'<td class="muted">{_esc(seen_text)}</td>'
            f"<td>{_esc(_publisher(article))}</td><td>{_esc(article.role)}</td>"
            f"<td>{_link(article.title or '(untitled)', article.url)}</td></tr>"
        )
    table = (
        '<table class="timeline"><thead><tr><th>published</th><th>after first</th>'
        "<th>first seen by dedup</th><th>source</th><th>role</th><th>title</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    return _timeline_svg(known) + table


def _timeline_svg(known: Sequence[tuple[datetime, ReportArticle]]) -> str:
    """Marks on a line, positioned by SVG attributes (no inline style, so the CSP holds)."""
    if not known:
        return ""
    first, last = known[0][0], known[-1][0]
    span = max((last - first).total_seconds(), 1.0)
    marks = []
    for i, (when, article) in enumerate(known):
        x = 6 + 88 * (when - first).total_seconds() / span
        cls = "origin" if article.role == "origin" else "copy"
        label_y = 14 if i % 2 == 0 else 60
        marks.append(
            f'<circle class="{cls}" cx="{x:.2f}%" cy="37" r="6">'
            f"<title>{_esc(article.publisher)}: {_esc(when.isoformat())}</title></circle>"
            f'<text x="{x:.2f}%" y="{label_y}" text-anchor="middle">'
            f"{_esc(article.publisher)}</text>"
        )
    return (
        '<svg class="timeline" role="img" aria-label="who published when" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<line x1="1%" y1="37" x2="99%" y2="37" stroke-width="2"></line>'
        + "".join(marks)
        + "</svg>"
    )


def _figures(copy: ReportArticle) -> str:
    cells = "".join(
        f'<td class="{name}">{name} {percent(getattr(copy, name))}</td>'
        for name in ("kept", "edited", "rewritten", "dropped", "added")
    )
    shared = _esc(copy.shared_paragraphs)
    return (
        f'<table class="figures"><tr>{cells}<td>{shared} shared paragraph(s)</td></tr></table>'
        + _figure_bar(copy)
    )


def _figure_bar(copy: ReportArticle) -> str:
    """Kept / edited / rewritten / dropped shares of the origin as a stacked SVG bar."""
    x = 0.0
    rects = []
    colours = {"kept": "#5cb85c", "edited": "#e0b000", "rewritten": "#f0d060", "dropped": "#d9534f"}
    for name, colour in colours.items():
        value = getattr(copy, name)
        width = (
            max(0.0, min(100.0 - x, float(value) * 100)) if isinstance(value, int | float) else 0.0
        )
        if width > 0:
            rects.append(
                f'<rect x="{x:.2f}%" y="0" width="{width:.2f}%" height="12" fill="{colour}">'
                f"<title>{name} {percent(value)}</title></rect>"
            )
        x += width
    return (
        '<svg class="bar" role="img" '
        'aria-label="share of the origin kept, edited, rewritten, dropped" '
        'xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="100%" height="12" '
        'fill="#eee"></rect>' + "".join(rects) + "</svg>"
    )


def _publisher(article: ReportArticle) -> str:
    """The display name, with the source key when it differs (the key is what filters use)."""
    if article.site and article.site != article.source:
        return f"{article.site} ({article.source})"
    return article.source


def _pair(origin_info: Origin, origin: ReportArticle | None, copy: ReportArticle) -> str:
    unknown = origin is None and origin_info.unknown
    origin_name = (
        "unknown"
        if unknown
        else (_publisher(origin) if origin else "") or origin_info.name or "origin"
    )
    label = "origin unknown" if unknown else f"{origin_name} (origin)"
    head = (
        f'<div class="pair" id="pair-{_esc(copy.article_id)}">'
        f"<h3>{_esc(label)} ↔ {_esc(_publisher(copy))} ({_esc(copy.role)}): "
        f"{_link(copy.title or '(untitled)', copy.url)}</h3>" + _figures(copy)
    )
    cells = [
        f'<div class="colhead">Origin: {_esc(origin_name)}</div>',
        f'<div class="colhead">{_esc(copy.role.capitalize())}: {_esc(_publisher(copy))}</div>',
    ]
    ledger = copy.ledger
    for line in ledger or []:
        cells.extend(_ledger_line(line))
    if not ledger:
        note = "no ledger recorded" if ledger is not None else "ledger not in this report"
        cells.append(f'<div class="cell empty">{note}</div>')
        cells.append(f'<div class="cell empty">{note}</div>')
    return head + '<div class="ledger">' + "".join(cells) + "</div></div>"


def _diff_side(diff: Iterable[DiffPart], keep: str) -> str:
    """One side of a word diff: common words plain, this side's changes marked."""
    tag = "del" if keep == "-" else "ins"
    out = []
    for op, words in diff:
        if op == "=":
            out.append(_esc(words))
        elif op == keep:
            out.append(f'<{tag} class="w">{_esc(words)}</{tag}>')
    return " ".join(out)


def _ledger_line(line: LedgerLine) -> list[str]:
    op = line.op
    badges = ""
    if line.moved:
        badges += '<span class="badge">moved</span>'
    similarity = line.similarity
    if similarity is not None and op in ("kept", "edited"):
        badges += f'<span class="badge">similarity {similarity:.2f}</span>'
    label = f'<span class="op">{_esc(op)}{badges}</span>'
    origin_text, copy_text = line.origin_text, line.copy_text
    diff = line.diff
    if op == "dropped":
        return [
            f'<div class="cell dropped"><span class="op">dropped</span>{_esc(origin_text)}</div>',
            '<div class="cell empty">(not in the copy)</div>',
        ]
    if op == "added":
        return [
            '<div class="cell empty">(not in the origin)</div>',
            f'<div class="cell added"><span class="op">added</span>{_esc(copy_text)}</div>',
        ]
    cls = op if op in ("kept", "edited", "template") else "edited"
    if op == "edited" and diff:
        left, right = _diff_side(diff, "-"), _diff_side(diff, "+")
    else:
        left, right = _esc(origin_text), _esc(copy_text)
    cells = [
        f'<div class="cell {cls}">{label}{left}</div>',
        f'<div class="cell {cls}">{label}{right}</div>',
    ]
    return cells + _rewrite_cells(line)


def _rewrite_cells(line: LedgerLine) -> list[str]:
    """Each origin sentence the copy says in its own words, beside the copy's sentence."""
    cells: list[str] = []
    for origin, copy in line.rewrites:
        cells += [
            f'<div class="cell edited"><span class="op">rewritten</span>{_esc(origin)}</div>',
            f'<div class="cell edited"><span class="op">rewritten</span>{_esc(copy)}</div>',
        ]
    return cells
