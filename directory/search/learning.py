"""Training the model of what people typing words like these want (directory.search.learned) from judged searches.

Needs scikit-learn (the project's "learn" extra, in the test tools too); searching with the model does not.
Only judged sets the search is tuned on are learned from: never the held-out part, nor the sets kept to measure
the search on queries nobody tuned it for (UNSEEN_SETS: scored by their totals only).
"""

from collections.abc import Iterable, Sequence
from pathlib import Path

from directory.search.learned import FORMAT, text_features
from directory.search.quality import JudgedQuery
from directory.search.synonyms import Synonyms

# The judged sets in tests/search_eval the model learns from: the tuned part and the later judges' sets that were
# read while tuning the thesaurus.
TRAINING_SETS = (
    "tuned", "fourth_judge", "sixth_judge", "seventh_judge", "eighth_judge", "ninth_judge", "eleventh_judge",
    "twelfth_judge", "thirteenth_judge", "fifteenth_judge", "sixteenth_judge", "seventeenth_judge",
    "eighteenth_judge", "twenty_second_judge", "twenty_third_judge", "twenty_fourth_judge", "twenty_sixth_judge",
    "twenty_seventh_judge", "thirtieth_judge", "thirty_first_judge",
)
# Judged sets nobody tuning the search has read, kept out of training so that they still measure it on words it
# was not built from; and the held-out part, scored only at the end.
UNSEEN_SETS = (
    "held_out", "fifth_judge", "tenth_judge", "fourteenth_judge", "nineteenth_judge", "twentieth_judge",
    "twenty_first_judge", "twenty_fifth_judge", "twenty_eighth_judge", "twenty_ninth_judge",
)
# The inverse of the regularisation strength (scikit-learn's C): chosen by leaving each training judge out in turn
# and scoring the search on that judge's queries (1, 4 and 16 tried, all within 0.002 success@5 of each other).
STRENGTH = 4.0
# A stem or pair must be in at least this many training queries to be learned from.
LEAST_QUERIES = 2
# Weights smaller than this are left out of the file, and the rest rounded: a file a tenth the size, with the
# same scores on the judged sets it was not trained on.
SMALLEST_WEIGHT = 0.1
DECIMALS = 3


def train(queries: Sequence[JudgedQuery], synonyms: Synonyms, sources: Iterable[tuple[str, int]] = ()) -> dict:
    """The model, as the file holds it: for each service any query wanted (grade 2), whether a person typing a
    query wants it, learned from these queries read with this thesaurus. `sources`: (name, queries) of what it was
    trained on, for the record."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    services = sorted({slug for query in queries for slug, grade in query.relevant.items() if grade == 2})
    vectorizer = TfidfVectorizer(analyzer=lambda text: text_features(text, synonyms), sublinear_tf=True,
                                 min_df=LEAST_QUERIES)
    matrix = vectorizer.fit_transform([query.query for query in queries])
    vocabulary = vectorizer.get_feature_names_out()
    weights: dict[str, list] = {feature: [] for feature in vocabulary}
    intercepts = []
    for number, slug in enumerate(services):
        wanted = [query.relevant.get(slug) == 2 for query in queries]
        model = LogisticRegression(C=STRENGTH, max_iter=5000).fit(matrix, wanted)
        intercepts.append(round(float(model.intercept_[0]), DECIMALS))
        for feature, weight in zip(vocabulary, model.coef_[0], strict=True):
            if abs(weight) >= SMALLEST_WEIGHT:
                weights[feature].append([number, round(float(weight), DECIMALS)])
    return {
        "format": FORMAT,
        "description": "What people typing words like these want: learned by `flask search learn` from judged "
                       "searches (directory.search.learned says how it is read).",
        "trained_on": [{"set": name, "queries": count} for name, count in sources],
        "services": services,
        "intercepts": intercepts,
        "features": {feature: [round(float(idf), DECIMALS), weights[feature]]
                     for feature, idf in zip(vocabulary, vectorizer.idf_, strict=True) if weights[feature]},
    }


def check_trainable(names: Iterable[str]) -> None:
    """Refuse the held-out part and the sets kept unseen (by their file names): a ValueError that names them."""
    unseen = set(names) & set(UNSEEN_SETS)
    if unseen:
        raise ValueError("Not to be learned from (kept to measure the search on queries it was not built from): "
                         + ", ".join(sorted(unseen)))


def training_files(folder: Path, names: Iterable[str] = TRAINING_SETS) -> list[tuple[str, Path]]:
    names = list(names)
    check_trainable(names)
    return [(name, folder / f"{name}.json") for name in names]
