"""Independent reports of one event that share only quoted statements are not copies."""

from __future__ import annotations

from collections.abc import Sequence

from conftest import store_and_report

from dedup.index import analysis
from dedup.progress import NullProgress
from dedup.records import ArticleRecord
from dedup.report.queries import list_stories
from dedup.store.articles import save_articles
from dedup.store.engine import Store
from dedup.stories.update import update_stories
from dedup.text.extract import extract_text

STATEMENT = (
    "We will not allow the port to become a bottleneck for the whole region, and we have "
    "asked the federal government for emergency funds to keep the cranes running"
)
WARNING = (
    "Every day the terminal stays closed costs local farmers more than they earn in a week, "
    "and some of them will not survive another month of this"
)

REPORTS = {
    "coastal-herald": [
        "Dock workers walked off the job at the city's container terminal on Monday, the third "
        "stoppage this year, leaving dozens of ships waiting at anchor outside the breakwater.",
        f'Mayor Elena Ruiz addressed reporters at the harbour gate. "{STATEMENT}," she said.',
        "The union says its members have not had a raise since before the pandemic and that "
        "new automated cranes threaten hundreds of jobs.",
        f'A spokesman for the farmers\' cooperative was blunt: "{WARNING}."',
        "Talks between the port authority and the union are set to resume on Thursday.",
    ],
    "valley-times": [
        "Grain growers across the valley are counting the cost of a strike that has shut the "
        "only deep-water terminal within three hundred kilometres.",
        f'"{WARNING}," said the cooperative\'s spokesman, who asked that his farm not be named.',
        "Trucks loaded with wheat have been queuing on the highway since Sunday night, some "
        "drivers sleeping in their cabs rather than lose their place.",
        f'In the city, the mayor struck a defiant tone: "{STATEMENT}."',
        "Economists at the regional bank estimate the stoppage costs about four million a day.",
    ],
    "national-wire": [
        "A strike at one of the country's busiest ports entered its second day, with federal "
        "ministers saying they were monitoring the situation closely.",
        f'The city\'s mayor told a news conference that "{STATEMENT}".',
        "Shipping companies have begun diverting vessels to other ports, adding days to "
        "delivery times for importers.",
        "Neither side has said what it would accept to end the dispute, now in its second day.",
    ],
}


def _record(source: str, paragraphs: Sequence[str]) -> ArticleRecord:
    extracted = extract_text("\n\n".join(paragraphs), f"Port strike ({source})")
    return ArticleRecord(
        source=source,
        key=f"{source}:strike",
        title=f"Port strike ({source})",
        text=extracted.text,
        paragraphs=extracted.paragraphs,
    )


def test_reports_sharing_only_quotes_are_not_copies(store: Store) -> None:
    with store.session() as session:
        save_articles(session, [_record(s, p) for s, p in REPORTS.items()])
    linked = analysis.index_new_paragraphs(store, NullProgress())
    # the shared statements are found, and found to be quotes
    assert linked.passages["quote"] >= 2
    with store.session() as session:
        summary = update_stories(session)
        report = list_stories(session)
    assert summary.active == 0
    assert report.to_dict() == {"stories": []}


def test_a_copy_among_them_is_still_found(store: Store) -> None:
    copier = [*REPORTS["coastal-herald"][:3], "(via The Coastal Herald)"]
    # stored first, so no tie-break by article id could pick the herald
    records = [_record("aggregator", copier)] + [_record(s, p) for s, p in REPORTS.items()]
    report = store_and_report(store, records)
    (story,) = report["stories"]
    assert {a["source"] for a in story["articles"]} == {"coastal-herald", "aggregator"}
    assert story["origin"]["article_id"] is not None
    origin = next(a for a in story["articles"] if a["role"] == "origin")
    assert origin["source"] == "coastal-herald"
