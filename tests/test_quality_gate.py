"""The quality gate: judgement scored on text it was not tuned on, against floors in JSON.

As trafilatura's ``tests/eval_gate.py``: the simulator's held-out families (habits, credit
wordings, edits, clocks and distractors the code was not written against, over the held-out
Reuters stories), the labelled credit sentences (cross-validated, as fitted, and the set
labelled apart, ``credits_blind7.jsonl``: false credits on ordinary wire text), MSRP for the
rewrite detector, ECB+'s even topics and the seeds. The floors live in
``tests/quality_floors.json``. Disabling the story-stage boilerplate decision, the template
cap, the link credit, the common-noun rule or any one group of credit features
(``credit_features.FEATURE_GROUPS``) makes one of these fail (checked by hand).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import shared_path

from dedup.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FLOORS = json.loads((Path(__file__).parent / "quality_floors.json").read_text())
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.fixture(scope="module")
def held_out() -> dict[str, Any]:
    shared_path("reuters21578", "reut2-000.sgm")
    from bench_syndication import score
    from simulator import HELD_OUT, plan_run

    floors = FLOORS["simulator_held_out"]
    return score(plan_run(HELD_OUT, floors["stories"], floors["unrelated"], floors["seed"]), False)


def test_held_out_origins_are_right_and_calibrated(held_out: dict[str, Any]) -> None:
    floors = FLOORS["simulator_held_out"]
    assert held_out["families"] == "held-out"
    assert held_out["origin"] >= floors["origin_min"], held_out
    assert held_out["origin_external"] >= floors["origin_external_min"], held_out
    assert held_out["precision_at_09"] >= floors["precision_at_09_min"], held_out
    assert held_out["ece"] <= floors["ece_max"], held_out


def test_held_out_origins_without_a_poll_clock() -> None:
    """Everything imported at once (an archive): no clock of our own, only publication times
    (day-only, missing or shifted in the held-out clock families), text and credits."""
    shared_path("reuters21578", "reut2-000.sgm")
    from bench_syndication import score
    from simulator import HELD_OUT, plan_run

    floors = FLOORS["simulator_held_out"]
    got = score(plan_run(HELD_OUT, floors["stories"], floors["unrelated"], floors["seed"]), True)
    assert got["mode"] == "archive"
    assert got["origin"] >= floors["archive"]["origin_min"], got
    assert got["precision_at_09"] >= floors["archive"]["precision_at_09_min"], got
    assert got["ece"] <= floors["archive"]["ece_max"], got


def test_held_out_ledgers_and_stories(held_out: dict[str, Any]) -> None:
    floors = FLOORS["simulator_held_out"]
    for name, most in floors["mae_max"].items():
        assert held_out[f"mae_{name}"] <= most, (name, held_out)
    assert held_out["ari"] >= floors["ari_min"], held_out
    assert held_out["distractors_in_stories"] <= floors["distractors_in_stories_max"], held_out


@pytest.mark.parametrize("archive", [False, True], ids=["polled", "archive"])
def test_origins_when_copiers_write_inside_what_they_took(archive: bool) -> None:
    """The held-out probe ``HELD_OUT_INSIDE``: every copier puts its own paragraphs between
    those it took, a habit no development family has (their own text goes before or after
    it), against which the origin model's ``unshared_inside`` (v7; v8 caps it as the ledger
    caps its rebuild) was never fitted. Origins must hold, and so must the external-origin
    ledgers, whose rebuild reads text one copy alone has between shared paragraphs as origin
    text only where one other copy has them side by side (``ledger.SANDWICH_MAX_ADJACENT``,
    chosen on the dev families ``DEV_INSIDE``)."""
    shared_path("reuters21578", "reut2-000.sgm")
    from bench_syndication import score
    from simulator import HELD_OUT_INSIDE, plan_run

    floors = FLOORS["simulator_held_out_inside"]
    got = score(
        plan_run(HELD_OUT_INSIDE, floors["stories"], floors["unrelated"], floors["seed"]), archive
    )
    mode = floors["archive" if archive else "polled"]
    assert got["families"] == "held-out-inside"
    assert got["origin"] >= mode["origin_min"], got
    assert got["precision_at_09"] >= mode["precision_at_09_min"], got
    assert got["ece"] <= mode["ece_max"], got
    for name, most in floors["mae_max"].items():
        assert got[f"mae_{name}"] <= most, (name, got)


HELD_OUT_WORDINGS = (
    "originally_published",
    "source_colon",
    "courtesy",
    "republished",
    "copyright_line",
    "link_only",
)
# Development wordings too (with the development families): a rule regression must show even
# where the figures are not reported from.
DEV_WORDINGS = ("reports_colon", "according", "via_paren", "first_appeared", "read_full_link")


@pytest.mark.parametrize(
    ("families_name", "wording"),
    [("held-out", w) for w in HELD_OUT_WORDINGS] + [("dev", w) for w in DEV_WORDINGS],
)
def test_each_credit_wording_names_the_external_origin(families_name: str, wording: str) -> None:
    """One small store per credit wording (the link-only one among them): with the origin
    left out, the wording alone must name it."""
    shared_path("reuters21578", "reut2-000.sgm")
    from bench_syndication import score
    from simulator import DEV, HELD_OUT, plan_run

    base = HELD_OUT if families_name == "held-out" else DEV
    assert set(HELD_OUT_WORDINGS) == set(HELD_OUT.credits)
    assert set(DEV_WORDINGS) == set(DEV.credits)
    floors = FLOORS["simulator_credit_wordings"]
    families = replace(base, credits=(wording,))
    got = score(plan_run(families, floors["stories"], floors["unrelated"], floors["seed"]), False)
    assert got["external_n"] >= 3
    assert got["origin_external"] >= floors["origin_external_min"], got


def test_credit_model_cross_validated() -> None:
    """The shipped credit model's grouped cross-validated figures on the labelled set (what
    ``benchmarks/fit_credits.py`` measured when it wrote the JSON)."""
    cv = json.loads((ROOT / "dedup" / "stories" / "credit_model.json").read_text())["cv"]
    floors = FLOORS["credit_set_cv"]
    assert cv["precision"] >= floors["precision_min"], cv
    assert cv["recall"] >= floors["recall_min"], cv


def test_credit_set_as_fitted() -> None:
    """The finder on the labelled set it was fitted on: no longer a held-apart figure, but
    disabling any one feature group (or the common-noun rule) drops it below the floors."""
    shared_path("reuters21578", "reut2-000.sgm")  # most rows are located in the corpora
    from eval_credits import load, score

    got = score(load())
    floors = FLOORS["credit_set_fit"]
    assert got.sentences >= 9500 and got.credits >= 747
    assert got.precision >= floors["precision_min"], got.errors
    assert got.recall >= floors["recall_min"], got.errors


BLIND_CREDITS = ROOT / "tests" / "data" / "credits_blind7.jsonl"


def _blind_rows() -> list[dict[str, Any]]:
    """Blind set 7's rows with their text: through its labeller's ``tests.blind7_rows`` when
    that module is there (its ``load_blind7``, or its ``load``), else the sets' one loader
    ``tests.credit_rows.load``; imported only here, so a branch without them still runs the
    rest of the gate."""
    import importlib

    try:
        module = importlib.import_module("tests.blind7_rows")
    except ModuleNotFoundError as missing:
        if missing.name != "tests.blind7_rows":
            raise
        from tests.credit_rows import load

        return load(BLIND_CREDITS)
    loader = getattr(module, "load_blind7", None) or module.load
    return list(loader(BLIND_CREDITS))


def test_credit_set_labelled_apart(tmp_path: Path) -> None:
    """The seventh blind credit set (``tests/data/credits_blind7.jsonl``, labelled by someone
    else from ECB+ and Reuters documents no earlier set drew on, and never read while the
    finder was written), scored against its floors. Its absence fails, not a pass, under
    CI=true: the blind figure is the one issue 8 asks for, and blind sets 1 to 6 are
    development data now. The scoring of a file given by path is checked on a copy of part of
    the development set."""
    shared_path("reuters21578", "reut2-000.sgm")
    from eval_credits import CREDITS, load, score

    sample = tmp_path / "credits_sample.jsonl"
    sample.write_text("\n".join(CREDITS.read_text(encoding="utf-8").splitlines()[:200]) + "\n")
    assert score(load(sample)).sentences == 200
    floors = FLOORS["credit_set_blind"]
    if not BLIND_CREDITS.is_file():
        absent = f"{BLIND_CREDITS.relative_to(ROOT)} is absent: the finder has no blind figure"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(absent)
        pytest.skip(absent)
    got = score(_blind_rows(), BLIND_CREDITS.name)
    assert got.sentences >= floors["sentences_min"], got
    # 3 credits in 7,007 sentences of ordinary wire text: what it measures is how seldom the
    # finder credits a publisher where there is none (and that it still finds one).
    assert got.false <= floors["false_credits_max"], got.errors
    assert got.found >= floors["found_min"], got.errors


BLIND8 = ROOT / "tests" / "data" / "credits_blind8.jsonl"


def test_credit_set_of_pypi_news_pages_labelled_apart() -> None:
    """The eighth blind credit set (``tests/data/credits_blind8.jsonl``: every sentence of 32
    English news pages shipped as PyPI test fixtures, labelled by someone who never read the
    finder), scored against its floors. Its rows from GPL fixtures keep only a SHA-1 (their
    text is rebuilt from the sdists by ``benchmarks/blind8_corpus.py --score``, which needs
    PyPI); the rows whose text is stored are scored here, offline. Scored blind once; its
    errors have been read since, so its floors hold development figures."""
    from eval_credits import score

    rows = [json.loads(line) for line in BLIND8.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1475 and sum(r["credit"] for r in rows) == 33
    assert all(("text" in r) != ("sha1" in r) and r["split"] == "blind8" for r in rows)
    stored = [r for r in rows if "text" in r]
    floors = FLOORS["credit_set_blind8"]
    got = score(stored, BLIND8.name)
    assert got.sentences >= floors["sentences_min"] and got.credits >= floors["credits_min"]
    assert got.found >= floors["found_min"], got.errors
    assert got.false <= floors["false_credits_max"], got.errors


def test_no_common_noun_is_a_publisher_on_all_of_reuters() -> None:
    shared_path("reuters21578", "reut2-000.sgm")
    from dedup.ingest import reuters
    from dedup.stories.credits import find_credits, publisher_key

    common = {
        publisher_key(w)
        for w in (
            "Press",
            "Television",
            "Radio",
            "Media",
            "Reports",
            "Agency",
            "Newspaper",
            "State Television",
            "Local Media",
            "Officials",
            "Sources",
            "Police",
        )
    }
    found: set[str] = set()
    for path in sorted(shared_path("reuters21578").glob("reut2-*.sgm")):
        for entry in reuters.read_entries(path.read_bytes().decode("latin-1")):
            paragraphs = [b if isinstance(b, str) else getattr(b, "text", "") for b in entry.blocks]
            found |= {c.key for c in find_credits(paragraphs) if c.key}
    assert not found & common, sorted(found & common)


def test_rewrite_detector_on_msrp() -> None:
    shared_path("msrp", "msr_paraphrase_train.txt")
    from fit_rewrites import load_pairs

    from dedup.stories.rewrites import is_rewrite, load_model, rewrite_probability, terms

    pairs = load_pairs()
    right = sum(
        (rewrite_probability(terms(a), terms(b)) >= 0.5) == bool(label) for a, b, label in pairs
    )
    floors = FLOORS["msrp"]
    # the shipped weights were fitted on all of MSRP: the cross-validated figure is the honest one
    assert load_model().accuracy_cv >= floors["accuracy_cv_min"]
    # ... of the model, and of the ledger's whole decision (guard, model, same content words)
    shipped = json.loads((ROOT / "dedup" / "stories" / "rewrite_model.json").read_text())
    assert shipped["decision_accuracy_cv"] >= floors["accuracy_cv_min"]
    decided = sum(is_rewrite(terms(a), terms(b)) == bool(label) for a, b, label in pairs)
    assert decided / len(pairs) >= floors["accuracy_min"]
    assert right / len(pairs) >= floors["accuracy_min"]


def test_ecbplus_independent_reports_are_no_rewrites() -> None:
    """ECB+'s even topics (the rewrite anchor was tuned on the odd ones): no story mixes two
    events, reprints of one wire story join, and few independent same-event pairs in one
    story carry rewritten text."""
    shared_path("ecbplus", "ECB+_LREC2014", "ECB+")
    from bench_ecbplus import score

    got = score("even")
    floors = FLOORS["ecbplus_even"]
    assert got["mixed"] <= floors["mixed_max"], got
    assert got["reprints"] >= 50
    assert got["reprints_joined"] >= floors["reprints_joined_min"] * got["reprints"], got
    assert got["independent_rewritten"] <= floors["independent_rewritten_max"], got
    # The claim a reader acts on: one independent report named the origin of another.
    accused = got["independent_accused"]
    assert accused["confident"] <= floors["independent_accused_confident_max"], accused


def test_seeds_rewriters_and_keepers(tmp_path: Path) -> None:
    db = str(tmp_path / "seeds.sqlite")
    runner = CliRunner()
    for args in (["import", str(ROOT / "examples" / "seeds")], ["analyze"]):
        assert runner.invoke(cli, ["--db", db, *args]).exit_code == 0
    (story,) = json.loads(runner.invoke(cli, ["--db", db, "report", "--format", "json"]).output)[
        "stories"
    ]
    assert story["origin"]["name"] == "BuzzFeed News" and story["origin"]["external"]
    detail = json.loads(
        runner.invoke(
            cli, ["--db", db, "report", "--story", str(story["id"]), "--format", "json"]
        ).output
    )["stories"][0]
    by_file = {a["source"][:3]: a for a in detail["articles"]}
    floors = FLOORS["seeds"]
    for name, least in floors["kept_min"].items():
        assert by_file[name]["kept"] >= least, by_file[name]
    for name, least in floors["rewritten_min"].items():
        assert by_file[name]["rewritten"] >= least, by_file[name]
        shown = [pair for line in by_file[name]["ledger"] for pair in line["rewrites"]]
        assert shown and all(origin and copy for origin, copy in shown)
    # the pairs say the same thing; a shared "BuzzFeed News" once paired 001's with another
    pairs = {
        copy.split(",")[0]: origin
        for name in ("001", "004")
        for line in by_file[name]["ledger"]
        for origin, copy in line["rewrites"]
    }
    assert "just two have managed to secure visas" in pairs["According to BuzzFeed News"]
    assert pairs[
        "A Russia LGBT Network spokesperson explained to BuzzFeed News that there are "
        "about 40 Chechens hiding in different areas of Russia"
    ].startswith("A group of around 40")


def test_a_long_formula_shared_across_sites_stays_story_text() -> None:
    """The template cap: a long text two sites share with other figures (a formula) is no
    footer, so it marks neither paragraph; a short one (a stock credit line) marks both."""
    from dedup.stories.boilerplate import decide_boilerplate
    from dedup.stories.graph import PassageLink

    long_formula = PassageLink(1, 2, 10, 20, 0.7, 80, 85)  # a paragraph of 80 words
    stock_line = PassageLink(3, 4, 30, 40, 1.0, 6, 6)
    got = decide_boilerplate([], [long_formula, stock_line], {1, 2, 3, 4}, {1: 1, 2: 2, 3: 3, 4: 4})
    assert got.paragraphs == {30, 40}
