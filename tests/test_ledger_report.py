"""The report shows a copy's ledger against an external origin with its upper bound."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dedup.cli import cli


def test_seeds_report_gives_each_copy_of_the_external_origin_its_upper_bound(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "dedup.sqlite")
    seeds = Path(__file__).resolve().parent.parent / "examples" / "seeds"
    runner = CliRunner()
    for args in (["import", str(seeds)], ["analyze"]):
        result = runner.invoke(cli, ["--db", db, *args])
        assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["--db", db, "report", "--format", "json"])
    assert result.exit_code == 0, result.output
    (story,) = [s for s in json.loads(result.output)["stories"] if s["origin"]["external"]]
    for a in story["articles"]:
        # the bound counts the copy's own words as origin text: never less kept, never more
        # dropped, and both equal when the copy has no text of its own
        assert a["kept_upper"] >= a["kept"] - 1e-6
        assert a["dropped_upper"] <= a["dropped"] + 1e-6
        if a["added"] == 0:
            assert abs(a["kept_upper"] - a["kept"]) < 1e-3
        else:
            assert a["kept_upper"] > a["kept"]
    text = runner.invoke(cli, ["--db", db, "report", "--story", str(story["id"])])
    assert text.exit_code == 0, text.output
    assert "(≤" in text.output and "lower bounds" in text.output
