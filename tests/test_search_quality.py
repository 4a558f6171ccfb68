"""The search-quality measures on small hand-worked examples, the naive baseline, the `search quality` command
and the judged query files themselves (checked for shape only: no test prints a held-out query)."""

import json
import math
import re
from pathlib import Path

import pytest

from directory.search import quality
from directory.search.quality import JudgedQuery

EVAL = Path(__file__).parent / "search_eval"
SEED_SERVICES = Path(__file__).parent.parent / "seed_data" / "services.json"


def judged(relevant, query="q"):
    return JudgedQuery(query, "everyday", "own", relevant)


# --- the measures ---------------------------------------------------------------------------------------------

def test_success_at_5_counts_a_grade_2_service_in_the_first_five_only():
    relevant = {"want": 2, "useful": 1}
    assert quality.success_at(["a", "b", "c", "d", "want"], relevant) == 1.0  # rank 5
    assert quality.success_at(["a", "b", "c", "d", "e", "want"], relevant) == 0.0  # rank 6
    assert quality.success_at(["useful", "a"], relevant) == 0.0  # grade 1 is not what they are looking for
    assert quality.success_at([], relevant) == 0.0


def test_reciprocal_rank_is_one_over_the_first_grade_2_rank_cut_off_at_10():
    relevant = {"want": 2, "also": 2, "useful": 1}
    assert quality.reciprocal_rank(["want"], relevant) == 1.0
    # "useful" (grade 1) at 1 does not count; the first grade 2 is "also" at 3: 1/3.
    assert quality.reciprocal_rank(["useful", "x", "also", "want"], relevant) == pytest.approx(1 / 3)
    ten = [f"x{i}" for i in range(9)]
    assert quality.reciprocal_rank([*ten, "want"], relevant) == pytest.approx(1 / 10)  # rank 10 counts
    assert quality.reciprocal_rank([*ten, "x9", "want"], relevant) == 0.0  # rank 11 does not


def test_ndcg_at_10_by_hand():
    relevant = {"a": 2, "b": 1}
    # Ideal: a (gain 2^2-1 = 3) at 1, b (gain 1) at 2: 3/log2(2) + 1/log2(3) = 3 + 0.63093 = 3.63093.
    assert quality.dcg([2, 1]) == pytest.approx(3 + 1 / math.log2(3))
    assert quality.ndcg(["a", "b"], relevant) == pytest.approx(1.0)
    # Swapped: 1/log2(2) + 3/log2(3) = 1 + 1.89279 = 2.89279; 2.89279 / 3.63093 = 0.79671.
    assert quality.ndcg(["b", "a"], relevant) == pytest.approx(0.79671, abs=1e-5)
    # An unjudged service first pushes both down: 3/log2(3) + 1/log2(4) = 1.89279 + 0.5 = 2.39279 -> 0.65900.
    assert quality.ndcg(["x", "a", "b"], relevant) == pytest.approx(0.65900, abs=1e-5)
    assert quality.ndcg(["x", "y"], relevant) == 0.0


def test_ndcg_counts_only_the_first_ten_in_the_ranking_and_in_the_ideal():
    relevant = {f"s{i}": 2 for i in range(12)}
    # Twelve grade-2 services: the ideal is ten of them, so the first ten found in any order score 1.
    assert quality.ndcg([f"s{i}" for i in range(11, -1, -1)], relevant) == pytest.approx(1.0)
    # Only s0 at rank 11: outside the ten.
    assert quality.ndcg([*[f"x{i}" for i in range(10)], "s0"], relevant) == 0.0


def test_scores_are_means_over_the_queries():
    queries = [judged({"a": 2}, "one"), judged({"b": 2, "c": 1}, "two")]
    rankings = [["a"], ["c", "x", "y", "z", "w", "b"]]
    scores = quality.score(queries, rankings)
    assert scores.queries == 2
    # success@5: query one yes, query two no (b at 6): 1/2.
    assert scores.success_at_5 == pytest.approx(0.5)
    # MRR: (1/1 + 1/6) / 2 = 0.58333.
    assert scores.mrr == pytest.approx((1 + 1 / 6) / 2)
    # nDCG: query one 1; query two: DCG = 1/log2(2) + 3/log2(7) = 1 + 1.06862 = 2.06862,
    # ideal = 3 + 1/log2(3) = 3.63093, so 0.56972; mean (1 + 0.56972) / 2 = 0.78486.
    assert scores.ndcg_at_10 == pytest.approx(0.78486, abs=1e-5)
    assert quality.score([], []) == quality.Scores(0, 0.0, 0.0, 0.0)


def test_failures_name_the_query_where_its_first_wanted_service_came_and_what_came_first():
    queries = [judged({"a": 2}, "found"), judged({"b": 2}, "late"), judged({"c": 2}, "missing")]
    rankings = [["a"], ["x", "y", "z", "w", "v", "b"], ["x", "y", "z", "w"]]
    assert quality.failures(queries, rankings) == [
        quality.Failure("late", 6, ["x", "y", "z"]),
        quality.Failure("missing", None, ["x", "y", "z"]),
    ]


def test_reading_a_judged_file_checks_its_shape(tmp_path):
    path = tmp_path / "set.json"
    path.write_text(json.dumps([{"query": "ehcp", "kind": "abbreviation", "source": "own",
                                 "relevant": {"ehc-needs-assessment": 2, "staffordshire-sendiass": 1}}]))
    assert quality.read_judged(path) == [JudgedQuery("ehcp", "abbreviation", "own",
                                                     {"ehc-needs-assessment": 2, "staffordshire-sendiass": 1})]
    path.write_text(json.dumps([{"query": "ehcp", "relevant": {"staffordshire-sendiass": 1}}]))
    with pytest.raises(quality.JudgedFileError, match="no service graded 2"):
        quality.read_judged(path)
    path.write_text("{not json")
    with pytest.raises(quality.JudgedFileError, match="Cannot read"):
        quality.read_judged(path)


# --- the naive baseline ---------------------------------------------------------------------------------------

def test_baseline_is_plain_bm25_over_name_and_description():
    documents = [
        {"id": "1", "name": "Speech therapy", "description": "Therapy for children who stammer or find talking hard."},
        {"id": "2", "name": "Short breaks and activities",
         "description": "Clubs, trips and holiday activities for disabled children; speech therapy is elsewhere."},
        {"id": "3", "name": "Physiotherapy", "description": "Movement and balance."},
    ]
    baseline = quality.Baseline(documents, {"1": "slt", "2": "breaks", "3": "physio"})
    # "speech" in a short name outranks a passing mention in a longer description; any word is enough (OR).
    assert baseline.search("speech") == ["slt", "breaks"]
    assert set(baseline.search("speech balance")) == {"slt", "breaks", "physio"}
    # No synonyms, no spelling help, stop words dropped.
    assert baseline.search("salt") == []
    assert baseline.search("speach") == []
    assert baseline.search("the and of") == []


# --- the command ------------------------------------------------------------------------------------------------

ROW = re.compile(r"^(tuned|held-out)\s+(product|baseline)\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)$")


def _rows(output: str) -> dict[tuple[str, str], tuple[int, float, float, float]]:
    rows = {}
    for line in output.splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[(match[1], match[2])] = (int(match[3]), float(match[4]), float(match[5]), float(match[6]))
    return rows


def test_the_command_prints_both_parts_for_the_product_and_the_baseline(runner):
    result = runner.invoke(args=["search", "quality"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == ["part", "search", "queries", "success@5", "MRR", "nDCG@10"]
    rows = _rows(result.output)
    tuned = json.loads((EVAL / "tuned.json").read_text())
    held_out = json.loads((EVAL / "held_out.json").read_text())
    assert set(rows) == {(p, s) for p in ("tuned", "held-out") for s in ("product", "baseline")}
    for (part, _search), (count, *figures) in rows.items():
        assert count == len(tuned if part == "tuned" else held_out)
        assert all(0.0 <= figure <= 1.0 for figure in figures)
    assert "Tuned queries without" not in result.output


def test_failures_list_only_tuned_queries(runner):
    result = runner.invoke(args=["search", "quality", "--failures"])
    assert result.exit_code == 0, result.output
    tuned = {item["query"] for item in json.loads((EVAL / "tuned.json").read_text())}
    count = int(re.search(r"Tuned queries without a wanted service in the first five: (\d+)", result.output)[1])
    listed = re.findall(r"^  (['\"])(.*?)\1: (?:first wanted at \d+|no wanted service in the first 10); first: ",
                        result.output, flags=re.MULTILINE)
    assert len(listed) == count
    # Every query listed is a tuned one; counted, so that a failure here never shows a held-out query.
    assert sum(1 for _quote, query in listed if query not in tuned) == 0


def test_the_command_takes_other_files_and_refuses_unknown_services(runner, tmp_path):
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps([{"query": "sendiass", "kind": "service_name", "source": "own",
                                 "relevant": {"staffordshire-sendiass": 2}}]))
    result = runner.invoke(args=["search", "quality", "--tuned", str(mine), "--held-out", str(mine)])
    assert result.exit_code == 0, result.output
    assert {key: row[0] for key, row in _rows(result.output).items()} == {
        ("tuned", "product"): 1, ("tuned", "baseline"): 1, ("held-out", "product"): 1, ("held-out", "baseline"): 1}
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps([{"query": "x", "relevant": {"no-such-service": 2}}]))
    refused = runner.invoke(args=["search", "quality", "--tuned", str(mine), "--held-out", str(unknown)])
    assert refused.exit_code != 0
    assert "held-out queries judge services the database does not have: no-such-service" in refused.output
    assert "'x'" not in refused.output


# --- the judged files -----------------------------------------------------------------------------------------

def _seeded_ids() -> set[str]:
    return {service["id"] for service in json.loads(SEED_SERVICES.read_text())["services"]}


def _source_ok(source) -> bool:
    """ "own", "listings" (written from the service listings), or a families' words file copied into
    tests/search_eval/voices/, named in full ("voices/004_f7e4fc3b00fc5a21.txt") or by its number ("voices/004")."""
    if source in ("own", "listings"):
        return True
    if not isinstance(source, str) or not source.startswith("voices/") or source == "voices/":
        return False
    name = source.removeprefix("voices/")
    return any(path.name == name or path.name.startswith(name + "_") for path in (EVAL / "voices").iterdir())


LATER_JUDGES = ["fourth_judge.json", "fifth_judge.json", "sixth_judge.json", "seventh_judge.json", "eighth_judge.json",
                "ninth_judge.json", "tenth_judge.json", "eleventh_judge.json", "twelfth_judge.json",
                "thirteenth_judge.json", "fourteenth_judge.json", "fifteenth_judge.json", "sixteenth_judge.json",
                "seventeenth_judge.json", "eighteenth_judge.json", "nineteenth_judge.json", "twentieth_judge.json",
                "twenty_first_judge.json", "twenty_second_judge.json", "twenty_third_judge.json",
                "twenty_fourth_judge.json", "twenty_fifth_judge.json", "twenty_sixth_judge.json",
                "twenty_seventh_judge.json", "twenty_eighth_judge.json", "twenty_ninth_judge.json",
                "thirtieth_judge.json", "thirty_first_judge.json"]


@pytest.mark.parametrize("name", ["tuned.json", "held_out.json", *LATER_JUDGES])
def test_judged_files_are_valid(name):
    items = json.loads((EVAL / name).read_text())
    ids = _seeded_ids()
    assert isinstance(items, list) and items
    bad = [number for number, item in enumerate(items, start=1) if not (
        isinstance(item.get("query"), str) and item["query"].strip()
        and item.get("kind") in quality.KINDS
        and isinstance(item.get("relevant"), dict) and item["relevant"]
        and all(slug in ids and grade in (1, 2) for slug, grade in item["relevant"].items())
        and 2 in item["relevant"].values()
        and _source_ok(item.get("source"))
    )]
    assert bad == []  # item numbers only
    texts = [item["query"].strip().lower() for item in items]
    assert len(set(texts)) == len(texts)
    assert quality.read_judged(EVAL / name)


def test_held_out_part_is_at_least_a_third_of_all_queries():
    tuned = len(json.loads((EVAL / "tuned.json").read_text()))
    held_out = len(json.loads((EVAL / "held_out.json").read_text()))
    assert tuned + held_out >= 100
    assert 3 * held_out >= tuned + held_out


@pytest.mark.parametrize("name", LATER_JUDGES)
def test_the_later_judges_queries_share_no_text_with_the_other_parts(name):
    def texts(file_name):
        return {" ".join(re.findall(r"\w+", item["query"].lower()))
                for item in json.loads((EVAL / file_name).read_text())}
    mine = texts(name)
    # Counted, so that a failure never shows a held-out query.
    for other in {"tuned.json", "held_out.json", *LATER_JUDGES} - {name}:
        assert len(mine & texts(other)) == 0
