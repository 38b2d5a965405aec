"""The HTML report opened in a real browser: headless Chromium driven by Playwright.

Chromium is Debian's package, installed by the session fixture when ``/usr/bin/chromium`` is
missing (never ``playwright install``, which downloads a browser of its own). Without it the
tests skip, except under ``CI=true`` where they fail: CI must exercise the browser.
The seeds' report is saved as a screenshot for a person to look at: in the test's tmp_path,
or in the folder ``$DEDUP_ARTIFACTS`` names (never inside the checkout unless asked).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers import ServerUnavailable, apt_install

from dedup.report.html import render_html

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")


def artifact(tmp_path: Path, name: str) -> Path:
    """Where a screenshot goes: ``$DEDUP_ARTIFACTS`` when set, else the test's tmp_path."""
    folder = Path(os.environ.get("DEDUP_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PLANTED = (
    "<script>window.__pwned = 'script'; document.title = 'pwned'</script>"
    "<img src=x onerror=\"window.__pwned = 'img'\">"
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI=true requires the browser tests to run")
    pytest.skip(reason)


def _install_chromium() -> str | None:
    """Install Debian's chromium; None on success, else why it failed."""
    try:
        apt_install("chromium")
    except ServerUnavailable as exc:
        return str(exc)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"apt-get failed: {exc}"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        problem = _install_chromium()
        if problem is not None or not CHROMIUM.exists():
            _unavailable(f"{CHROMIUM} is missing and could not be installed: {problem}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


class Opened:
    """A page loaded from a file, with what it logged and requested."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url, wait_until="load")

    def close(self) -> None:
        self.page.close()


def _assert_safe(opened: Opened) -> None:
    page = opened.page
    assert page.evaluate("window.__pwned") is None, "a planted script ran"
    assert page.title() != "pwned"
    # only the page's own script (the index's filters), which the CSP allows by its hash
    assert page.locator("script").count() == 1
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0
    assert page.locator("[onerror]").count() == 0
    assert opened.errors == []  # also: a CSP violation would have logged an error
    assert opened.requests == [opened.url]  # nothing fetched: the page is self-contained


def _assert_side_by_side(opened: Opened) -> None:
    heads = opened.page.locator(".ledger .colhead")
    assert heads.count() >= 2
    left, right = heads.nth(0).bounding_box(), heads.nth(1).bounding_box()
    assert left is not None and right is not None
    assert abs(left["y"] - right["y"]) < 2 and right["x"] > left["x"] + left["width"] / 2


def _planted_report() -> dict[str, Any]:
    ledger = [
        {
            "op": "kept",
            "origin_text": "Shared words.",
            "copy_text": "Shared words.",
            "similarity": 1.0,
            "moved": False,
            "diff": None,
        },
        {
            "op": "added",
            "origin_text": None,
            "copy_text": f"Comment {PLANTED}",
            "similarity": None,
            "moved": False,
            "diff": None,
        },
    ]
    return {
        "stories": [
            {
                "id": 1,
                "origin": {
                    "name": "origin-site",
                    "external": False,
                    "article_id": 1,
                    "confidence": 0.8,
                    "evidence": [f"evidence {PLANTED}"],
                },
                "articles": [
                    {
                        "article_id": 1,
                        "source": "origin-site",
                        "title": "The story",
                        "role": "origin",
                        "url": "https://origin.example/story",
                        "published": "2017-05-17T10:00:00+00:00",
                        "ledger": [],
                    },
                    {
                        "article_id": 2,
                        "source": f"copier {PLANTED}",
                        "title": f"Copy {PLANTED}",
                        "role": "copy",
                        "url": "javascript:window.__pwned='link'",
                        "published": "2017-05-17T12:00:00+00:00",
                        "kept": 0.5,
                        "ledger": ledger,
                    },
                ],
            }
        ]
    }


def test_planted_script_in_a_report_never_runs(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "planted.html"
    path.write_text(render_html(_planted_report()), encoding="utf-8")
    opened = Opened(browser, path)
    try:
        _assert_safe(opened)
        _assert_side_by_side(opened)
        body = opened.page.inner_text("body")
        assert "<script>window.__pwned" in body  # shown as text, not run
        assert opened.page.locator("a[href^='javascript']").count() == 0
        opened.page.get_by_text("Copy <script>", exact=False).first.click()  # a plain span
        assert opened.page.evaluate("window.__pwned") is None
    finally:
        opened.close()


def _planted_copy(seeds: Path, target: Path) -> Path:
    """An article that copies a seed's paragraphs and adds a script, as a hostile feed might."""
    seed = (seeds / "002_9d80eb7e5257ff50.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in seed.split("\n\n") if p.strip()]
    text = "\n\n".join(
        [
            f"Visas denied {PLANTED}",
            *paragraphs[1:4],
            f"Our own take on this. {PLANTED}",
            *paragraphs[4:8],
        ]
    )
    path = target / "planted.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def test_seeds_report_in_chromium(
    browser: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from click.testing import CliRunner

    from dedup.cli import cli

    seeds = ROOT / "examples" / "seeds"
    db = f"sqlite:///{tmp_path / 'seeds.sqlite'}"
    runner = CliRunner()
    imported = runner.invoke(
        cli, ["--db", db, "--quiet", "import", str(seeds), str(_planted_copy(seeds, tmp_path))]
    )
    assert imported.exit_code == 0, imported.output
    report = tmp_path / "report.html"
    made = runner.invoke(cli, ["--db", db, "report", "--format", "html", "-o", str(report)])
    assert made.exit_code == 0, made.output
    data = runner.invoke(cli, ["--db", db, "report", "--format", "json"])
    assert data.exit_code == 0, data.output
    stories = json.loads(data.stdout)["stories"]
    story = max(stories, key=lambda s: len(s["articles"]))
    assert any(a["source"] == "planted" for a in story["articles"]), "the plant joined no story"

    opened = Opened(browser, report)
    try:
        _assert_safe(opened)
        page = opened.page
        section = page.locator(f"#story-{story['id']}")
        assert section.is_visible()
        assert story["origin"]["name"] in section.inner_text()
        for article in story["articles"]:
            assert article["source"] in section.inner_text()
        _assert_side_by_side(opened)
        assert section.locator(".pair").count() == sum(
            1 for a in story["articles"] if a["role"] != "origin"
        )
        assert section.locator(".cell.kept, .cell.edited").count() > 0
        assert "<script>window.__pwned" in page.inner_text("body")  # shown, never run
        shot = artifact(tmp_path, "report.png")
        page.screenshot(path=str(shot), full_page=True)
    finally:
        opened.close()
    assert shot.stat().st_size > 10_000
    with capsys.disabled():  # shown in every run, not only when the test fails
        print(f"\nscreenshot of the seeds' report: {shot}")


@pytest.fixture(scope="module")
def reuters_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    """The HTML report of a store built from all of Reuters-21578 (1,000+ stories)."""
    from click.testing import CliRunner
    from conftest import shared_path

    from dedup.cli import cli

    reuters = shared_path("reuters21578")
    folder = tmp_path_factory.mktemp("reuters-html")
    db = str(folder / "reuters.sqlite")
    runner = CliRunner()
    imported = runner.invoke(cli, ["--db", db, "-q", "import", "--include", "*.sgm", str(reuters)])
    assert imported.exit_code == 0, imported.output
    page = folder / "report.html"
    made = runner.invoke(cli, ["--db", db, "report", "-f", "html", "-o", str(page)])
    assert made.exit_code == 0, made.output
    stories = json.loads(runner.invoke(cli, ["--db", db, "report", "-f", "json"]).stdout)
    return page, stories["stories"]


def _visible_rows(page: Any) -> Any:
    return page.locator("#story-index tbody tr:not([hidden])")


@pytest.mark.slow
def test_reuters_index_searches_filters_sorts_and_opens_a_story(
    browser: Any, reuters_report: tuple[Path, list[Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, stories = reuters_report
    assert len(stories) >= 1000
    started = time.perf_counter()
    opened = Opened(browser, path)
    wall = time.perf_counter() - started
    try:
        page = opened.page
        load_ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        with capsys.disabled():
            print(
                f"\nReuters HTML report: {len(stories)} stories, "
                f"{path.stat().st_size / 1e6:.1f} MB; Chromium load event at {load_ms:.0f} ms "
                f"(goto returned after {wall:.2f} s)"
            )
        _assert_safe(opened)
        rows = page.locator("#story-index tbody tr")
        assert rows.count() == len(stories) == _visible_rows(page).count()
        # the index is numbered by story id: the first row is the first story listed
        assert rows.first.get_attribute("data-id") == str(stories[0]["id"])
        assert rows.first.locator("td").first.inner_text() == str(stories[0]["id"])
        # no story section is laid out until it is opened
        assert page.locator("section.story:visible").count() == 0

        word = "coffee"
        expected = [
            s["id"]
            for s in stories
            if any(word in (a["title"] or "").lower() for a in s["articles"])
        ]
        assert expected, "pick a search word that some titles hold"
        page.fill("#q", word)
        shown = [
            int(x) for x in _visible_rows(page).evaluate_all("rs => rs.map(r => r.dataset.id)")
        ]
        assert set(expected) <= set(shown) and len(shown) < len(stories)
        assert page.inner_text("#shown") == f"{len(shown)} of {len(stories)} stories shown"
        page.fill("#q", "")

        page.select_option("#src", "reuters")  # one publisher: every story has it
        assert _visible_rows(page).count() == len(stories)
        day = "1987-03-20"
        page.fill("#from", day)
        later = sum(1 for s in stories if (s["first_published"] or "")[:10] >= day)
        assert 0 < _visible_rows(page).count() == later < len(stories)
        page.fill("#from", "")
        page.select_option("#src", "")

        page.click("#story-index th button[data-key=copies]")
        copies = _visible_rows(page).first.get_attribute("data-copies")
        most = max(sum(1 for a in s["articles"] if a["role"] != "origin") for s in stories)
        assert copies == str(most)

        target = _visible_rows(page).first.get_attribute("data-id")
        started = time.perf_counter()
        _visible_rows(page).first.locator("a").click()
        section = page.locator(f"#story-{target}")
        section.wait_for(state="visible")
        opened_in = time.perf_counter() - started
        assert not page.locator("#index").is_visible()  # the story shows alone
        assert section.locator(".pair").count() == most
        with capsys.disabled():
            print(f"story {target} ({most} copies) shown {opened_in * 1000:.0f} ms after the click")
        page.click(f"#story-{target} a[href='#index']")
        assert page.locator("#index").is_visible() and not section.is_visible()
        assert opened.errors == []
        assert opened.requests == [opened.url]
    finally:
        opened.close()
