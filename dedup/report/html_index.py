"""The HTML report's index: every story in one table that can be searched, filtered and sorted.

A store of thousands of stories makes one page too long to read, so the page opens on this
index (story id, title, origin, copies, confidence, first publication, publishers; the search
also reads every member's title) and each
story's section shows alone when its ``#story-ID`` link is followed (CSS ``:target``; the
sections of the other stories are not laid out). The one script, :data:`SCRIPT`, filters and
sorts the rows; the page's Content-Security-Policy allows it by its sha256 hash and nothing
else, and it reads only ``data-`` attributes the renderer wrote escaped.
"""

from __future__ import annotations

import base64
import hashlib
import html

from dedup.report.model import Report, ReportStory

SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("story-index");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var q = document.getElementById("q");
  var src = document.getElementById("src");
  var from = document.getElementById("from");
  var to = document.getElementById("to");
  var shown = document.getElementById("shown");
  function apply() {
    var text = q.value.trim().toLowerCase();
    var source = src.value, start = from.value, end = to.value, count = 0;
    rows.forEach(function (row) {
      var d = row.dataset, day = (d.date || "").slice(0, 10);
      var ok = (!text || d.text.indexOf(text) >= 0) &&
        (!source || d.sources.split("\\n").indexOf(source) >= 0) &&
        (!start || (day && day >= start)) && (!end || (day && day <= end));
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " stories shown";
  }
  var direction = {};
  table.tHead.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-key]");
    if (!button) { return; }
    var key = button.dataset.key, numeric = button.dataset.numeric === "1";
    var dir = direction[key] = -(direction[key] || (numeric ? 1 : -1));
    rows.sort(function (a, b) {
      var x = a.dataset[key] || "", y = b.dataset[key] || "";
      if (numeric) { x = parseFloat(x) || 0; y = parseFloat(y) || 0; }
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.querySelectorAll("th"), function (th) {
      th.removeAttribute("aria-sort");
    });
    button.parentNode.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
  });
  [q, src, from, to].forEach(function (el) { el.addEventListener("input", apply); });
  apply();
}());
"""

SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()

CSS = """
#index table.index { border-collapse: collapse; width: 100%; background: #fff; }
#index th, #index td { border-bottom: 1px solid #eee; padding: .25rem .5rem; text-align: left;
                       vertical-align: top; }
#index th button { font: inherit; font-weight: 600; border: 0; background: none; padding: 0;
                   cursor: pointer; }
#index .filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center;
                  margin: .5rem 0; }
#index .num { text-align: right; white-space: nowrap; }
section.story { display: none; }
section.story:target, section.story.open { display: block; }
body:has(section.story:target) #index { display: none; }
"""

# Columns: (heading, data key the script sorts by, numeric?)
_COLUMNS = (
    ("#", "id", True),
    ("title", "title", False),
    ("origin", "origin", False),
    ("copies", "copies", True),
    ("confidence", "conf", True),
    ("first published", "date", False),
    ("publishers", "publishers", False),
)


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _heading(story: ReportStory) -> str:
    return story.title or f"story {story.id}"


def _row(story: ReportStory) -> str:
    origin = story.origin.name + (" (external)" if story.origin.external else "")
    publishers = sorted({a.publisher for a in story.articles})
    date = story.first_published or ""
    # search finds a story by any member's title, the origin or a publisher's name or key
    titles = dict.fromkeys(a.title for a in story.articles if a.title)
    text = " ".join(
        [_heading(story), *titles, origin, *publishers, *(a.source for a in story.articles)]
    )
    conf = f"{story.origin.confidence:.2f}" if story.origin.confidence is not None else ""
    data = {
        "id": story.id,
        "title": _heading(story).casefold(),
        "origin": origin.casefold(),
        "copies": len(story.copies),
        "conf": conf,
        "date": date,
        "publishers": ", ".join(publishers).casefold(),
        "sources": "\n".join(publishers),
        "text": text.casefold(),
    }
    attrs = " ".join(f'data-{key}="{_esc(value)}"' for key, value in data.items())
    return (
        f"<tr {attrs}>"
        f'<td class="num">{story.id}</td>'
        f'<td><a href="#story-{story.id}">{_esc(_heading(story))}</a></td>'
        f"<td>{_esc(origin)}</td>"
        f'<td class="num">{len(story.copies)}</td>'
        f'<td class="num">{_esc(conf or "–")}</td>'
        f"<td>{_esc(date[:16].replace('T', ' ') if date else '–')}</td>"
        f"<td>{_esc(', '.join(publishers))}</td></tr>"
    )


def story_index(report: Report) -> str:
    """The index section: filters, then one row per story (numbered by story id)."""
    if not report.stories:
        return f'<nav id="index"><p class="muted">{_esc(report.empty_message())}</p></nav>'
    publishers = sorted({a.publisher for s in report.stories for a in s.articles})
    options = "".join(f'<option value="{_esc(p)}">{_esc(p)}</option>' for p in publishers)
    heads = "".join(
        f'<th><button type="button" data-key="{key}" data-numeric="{int(numeric)}">'
        f"{_esc(label)}</button></th>"
        for label, key, numeric in _COLUMNS
    )
    count = len(report.stories)
    return (
        '<nav id="index" class="stories"><h2>Stories</h2>'
        '<div class="filters">'
        '<label>Search <input type="search" id="q" placeholder="title, origin, publisher">'
        "</label>"
        f'<label>Publisher <select id="src"><option value="">all</option>{options}</select>'
        "</label>"
        '<label>From <input type="date" id="from"></label>'
        '<label>to <input type="date" id="to"></label>'
        f'<span id="shown" class="muted">{count} of {count} stories shown</span>'
        "</div>"
        f'<table class="index" id="story-index"><thead><tr>{heads}</tr></thead><tbody>'
        + "".join(_row(story) for story in report.stories)
        + "</tbody></table></nav>"
    )
