"""The learned model of what people typing words like these want (directory.search.learned): how it reads a query,
its numbers worked by hand, training it from judged searches (and never from the held-out part or the sets kept
unseen), the committed model being what training gives, and the search using it beside the words: services it
learned are found without their words, filtered like any other, and ranked by a fusion of both orders."""

import json
import math
import uuid
from pathlib import Path

import pytest

from directory.config import Config
from directory.search import SearchIndex, SearchRequest, learning
from directory.search import index as search_index
from directory.search.learned import DEPTH, FLOOR, FORMAT, LearnedRanking, ModelFileError, dumps, text_features
from directory.search.quality import JudgedQuery, read_judged
from directory.search.synonyms import Synonyms

EVAL = Path(__file__).parent / "search_eval"

BLANK = {"summary": "", "description": "", "organisation": "Council", "keywords": "", "places": "",
         "category": [], "need": [], "district": [], "referrer": [], "cost": [], "accepting": [], "ages": []}


def service(name: str, slug: str, **fields) -> dict:
    return {**BLANK, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)), "slug": slug, "name": name, **fields}


def model(services: list[str], intercepts: list[float], weights: dict[str, tuple[float, list]]) -> dict:
    return {"format": FORMAT, "services": services, "intercepts": intercepts,
            "features": {feature: [idf, [list(pair) for pair in pairs]] for feature, (idf, pairs) in weights.items()}}


# --- reading a query ----------------------------------------------------------------------------------------------

SLEEP = Synonyms([{"kind": "need", "phrases": ["sleep problems", "can't sleep", "not sleeping"]}])


def test_a_query_is_read_as_its_thesaurus_concepts_the_stems_of_its_other_words_and_each_pair():
    assert text_features("Can't sleep at night", SLEEP) == (
        "~sleep problems", "at", "night", "~sleep problems at", "at night")
    # Texting shorthand as meant, as the word search reads it: "cnt" is "can't".
    assert text_features("cnt sleep", SLEEP) == ("~sleep problems",)
    assert text_features("Sleeping", Synonyms([])) == ("sleep",)
    assert text_features("", SLEEP) == ()
    # The group by its first phrase, whatever its number: a model keeps its meaning when groups are added.
    more = Synonyms([{"kind": "need", "phrases": ["speech"]},
                     {"kind": "need", "phrases": ["sleep problems", "can't sleep"]}])
    assert text_features("can't sleep", more) == ("~sleep problems",)


def test_decisions_worked_by_hand():
    learned = LearnedRanking(model(["a", "b"], [-1.0, -2.0], {
        "sleep": (2.0, [(0, 3.0)]),
        "night": (1.0, [(0, 1.0), (1, 4.0)]),
    }))
    # "the sleep sleep night": sleep counted twice is 1 + ln 2 = 1.693147, times its idf 2 = 3.386294; night 1 x 1
    # = 1; "the" and pairs it never learned count for nothing. Length sqrt(3.386294^2 + 1) = 3.530862, so sleep
    # is 0.959056 of it and night 0.283217.
    # a: -1 + 0.959056 x 3 + 0.283217 x 1 = 2.160385; b: -2 + 0.283217 x 4 = -0.867132.
    a, b = learned.decisions(("the", "sleep", "sleep", "night", "sleep night"))
    assert (a, b) == (pytest.approx(2.160385, abs=1e-6), pytest.approx(-0.867132, abs=1e-6))
    assert learned.decisions(("nothing", "it", "knows")) == [-1.0, -2.0]
    # Probabilities: 1 / (1 + e^-2.160385) = 0.896635 and 1 / (1 + e^0.867132) = 0.295851.
    assert [(one.slug, round(one.probability, 6)) for one in learned.likely(("the", "sleep", "sleep", "night"))] == [
        ("a", 0.896635), ("b", 0.295851)]


def test_only_services_at_least_the_floor_are_likely_most_likely_first_and_at_most_depth():
    # A service's intercept alone: log-odds just above and just below the floor.
    above, below = math.log(FLOOR / (1 - FLOOR)) + 0.01, math.log(FLOOR / (1 - FLOOR)) - 0.01
    assert [one.slug for one in LearnedRanking(model(["x", "y"], [below, above], {})).likely(("any",))] == ["y"]
    slugs = [f"s{n:02}" for n in range(DEPTH + 2)]
    learned = LearnedRanking(model(slugs, [*([0.0] * (DEPTH + 1)), 5.0], {}))
    # The most likely first, equal ones by slug, and no more than DEPTH.
    assert [one.slug for one in learned.likely(("any",))] == [slugs[-1], *slugs[:DEPTH - 1]]


@pytest.mark.parametrize("broken, message", [
    ({"format": "something-else"}, "not a search model"),
    ({"format": FORMAT, "services": ["a"]}, "not complete"),
    ({"format": FORMAT, "services": ["a"], "intercepts": [0.0], "features": {"x": [1.0, [[3, 1.0]]]}},
     "do not match its services"),
])
def test_a_model_that_cannot_be_used_says_why(broken, message):
    with pytest.raises(ModelFileError, match=message):
        LearnedRanking(broken)


def test_a_model_file_is_read_back_as_written_and_no_file_means_none(tmp_path):
    written = model(["a"], [0.5], {"sleep": (1.5, [(0, 2.0)])})
    path = tmp_path / "model.json"
    path.write_text(dumps(written))
    assert json.loads(path.read_text()) == written
    assert LearnedRanking.from_file(path).likely(("sleep",))[0].slug == "a"
    assert LearnedRanking.from_file(tmp_path / "none.json") is None
    assert LearnedRanking.from_file("") is None
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="is not JSON"):
        LearnedRanking.from_file(tmp_path / "bad.json")


# --- training ---------------------------------------------------------------------------------------------------

def judged(query: str, *wanted: str) -> JudgedQuery:
    return JudgedQuery(query, "everyday", "test", {slug: 2 for slug in wanted})


def test_training_learns_which_words_lead_to_which_service():
    queries = [
        *(judged(f"{word} every night", "sleep-clinic") for word in ("awake", "up", "screaming", "restless")),
        *(judged(f"{word} at school", "school-advice") for word in ("excluded", "detentions", "bullied", "refusing")),
        judged("awake and excluded", "sleep-clinic", "school-advice"),
    ]
    learned = LearnedRanking(learning.train(queries, SLEEP, [("test", len(queries))]))
    assert learned.services == ["school-advice", "sleep-clinic"]
    assert learned.likely(text_features("awake all night", SLEEP))[0].slug == "sleep-clinic"
    assert learned.likely(text_features("trouble in school", SLEEP))[0].slug == "school-advice"
    # A word in only one training query (LEAST_QUERIES) teaches nothing.
    assert "screaming" not in learned.features


def test_training_never_takes_the_held_out_part_or_the_sets_kept_unseen(runner, tmp_path):
    for name in learning.UNSEEN_SETS:
        with pytest.raises(ValueError, match=name):
            learning.training_files(EVAL, [name])
    assert not set(learning.TRAINING_SETS) & set(learning.UNSEEN_SETS)
    result = runner.invoke(args=["search", "learn", "--output", str(tmp_path / "m.json"),
                                 str(EVAL / "held_out.json")])
    assert result.exit_code != 0
    assert "Not to be learned from" in result.output and "held_out" in result.output
    assert not (tmp_path / "m.json").exists()


def test_the_learn_command_writes_a_model_the_search_reads(runner, tmp_path):
    mine = tmp_path / "mine.json"
    wanted = {"tribunal appeal": "staffordshire-sendiass", "appeal the plan": "staffordshire-sendiass",
              "tribunal help": "staffordshire-sendiass", "holiday clubs": "aiming-high-short-breaks",
              "summer clubs": "aiming-high-short-breaks", "holiday activities": "aiming-high-short-breaks"}
    mine.write_text(json.dumps([{"query": query, "kind": "everyday", "source": "own", "relevant": {slug: 2}}
                                for query, slug in wanted.items()]))
    out = tmp_path / "model.json"
    result = runner.invoke(args=["search", "learn", "--output", str(out), str(mine)])
    assert result.exit_code == 0, result.output
    assert "Learned from 6 judged searches in 1 sets: 2 services" in result.output
    learned = LearnedRanking.from_file(out)
    assert learned.trained_on == [{"set": "mine", "queries": 6}]
    synonyms = runner.app.extensions["search"].synonyms
    assert learned.likely(text_features("appeal to a tribunal", synonyms))[0].slug == "staffordshire-sendiass"
    assert learned.likely(text_features("clubs in the holiday", synonyms))[0].slug == "aiming-high-short-breaks"


def test_the_committed_model_is_what_training_on_the_tuned_sets_gives():
    committed = json.loads(Path(Config.SEARCH_MODEL_PATH).read_text(encoding="utf-8"))
    parts = [(name, read_judged(path)) for name, path in learning.training_files(EVAL)]
    fresh = learning.train([query for _name, queries in parts for query in queries],
                           Synonyms.from_file(Config.THESAURUS_PATH), [(name, len(queries)) for name, queries in parts])
    assert committed["trained_on"] == fresh["trained_on"]
    assert committed["services"] == fresh["services"]
    assert committed["intercepts"] == pytest.approx(fresh["intercepts"], abs=0.002)
    # The same stems and pairs with the same weights, give or take a rounding (a weight near the smallest kept may
    # fall either side of it on another machine's arithmetic).
    shared = committed["features"].keys() & fresh["features"].keys()
    assert len(shared) >= 0.99 * max(len(committed["features"]), len(fresh["features"]))
    for feature in shared:
        (idf, weights), (fresh_idf, fresh_weights) = committed["features"][feature], fresh["features"][feature]
        assert idf == pytest.approx(fresh_idf, abs=0.002)
        mine, theirs = dict(map(tuple, weights)), dict(map(tuple, fresh_weights))
        for number in mine.keys() | theirs.keys():
            assert mine.get(number, 0) == pytest.approx(theirs.get(number, 0), abs=learning.SMALLEST_WEIGHT + 0.002)


# --- searching with it ------------------------------------------------------------------------------------------

DOCUMENTS = [
    service("Respite club", "respite-club", description="Short breaks for disabled children.", ages=["5", "6", "7"],
            category=["short-breaks"]),
    service("Speech clinic", "speech-clinic", description="Speech therapy for children who stammer."),
    service("Speech and sleep drop-in", "drop-in", description="Ask about speech, sleep or eating."),
    service("Sleep and speech advice line", "advice-line", description="Sleep help. Some speech help."),
    # So that "speech" is not in most listings (a word most services use tells little: see _soft_matching).
    *(service(f"Club {n}", f"club-{n}", description="Lessons.") for n in range(4)),
]
# "frazzled" (in no listing) is the respite club; "stammer" is the advice line, which the words rank last.
MODEL = model(["advice-line", "respite-club"], [-4.0, -4.0],
              {"frazzl": (1.0, [(1, 8.0)]), "stammer": (1.0, [(0, 8.0)])})


@pytest.fixture
def built(tmp_path):
    index = SearchIndex(tmp_path / "index", Synonyms([]), LearnedRanking(MODEL))
    index.rebuild(DOCUMENTS)
    return index


def names(index: SearchIndex, **request) -> list[str]:
    by_id = {d["id"]: d["name"] for d in DOCUMENTS}
    return [by_id[i] for i in index.search(SearchRequest(**request)).ids]


def test_a_service_the_model_learned_is_found_without_its_words(built):
    assert names(built, text="so frazzled") == ["Respite club"]
    results = built.search(SearchRequest(text="so frazzled"))
    assert (results.total, dict(results.facets["category"])) == (1, {"short-breaks": 1})
    # Without a model: nothing has the word.
    built.learned = None
    assert names(built, text="so frazzled") == []


def test_a_learned_service_is_filtered_like_any_other(built):
    assert names(built, text="frazzled", age=6) == ["Respite club"]
    assert names(built, text="frazzled", age=3) == []
    assert built.search(SearchRequest(text="frazzled", age=3, count_only=True)).total == 0
    assert names(built, text="frazzled", exclude_ids=frozenset({DOCUMENTS[0]["id"]})) == []
    assert names(built, text="frazzled", filters={"category": ["other"]}) == []


def test_the_words_order_and_the_models_are_fused(built):
    built.learned = None
    by_words = names(built, text="stammer speech")
    assert by_words[0] == "Speech clinic" and "Sleep and speech advice line" in by_words[1:]
    built.learned = LearnedRanking(MODEL)
    # The advice line: second or third of the words' order (1 / 4 or 1 / 5) and first of the model's (1 / 3), above
    # the speech clinic's 1 / 3 from the words alone. The others keep their order.
    fused = names(built, text="stammer speech")
    assert fused == ["Sleep and speech advice line", *(name for name in by_words if name != fused[0])]
    # A query the model gives nothing for keeps the words' order.
    built.learned = None
    plain = names(built, text="speech")
    built.learned = LearnedRanking(MODEL)
    assert names(built, text="speech") == plain


def test_pages_of_a_fused_ranking_neither_repeat_nor_lose_a_service(built):
    whole = names(built, text="stammer speech sleep", per_page=10)
    pages = built.search(SearchRequest(text="stammer speech sleep", per_page=1)).pages
    assert pages == len(whole) >= 3
    paged = [name for page in range(1, pages + 1)
             for name in names(built, text="stammer speech sleep", per_page=1, page=page)]
    assert paged == whole
    assert whole[0] == "Sleep and speech advice line"


def test_fusion_by_hand():
    # Words: 10, 11, 12; model: 12, 13. 12: 1/5 + 1/3 = 0.533; 10: 1/3; 13: 1/4 = 0.25 (only the model);
    # 11: 1/4 = 0.25 from the words: the tie goes to the words' order.
    assert search_index._fused([10, 11, 12], [12, 13]) == [12, 10, 11, 13]
