"""What people typing words like these have wanted: a model learned from judged searches (each a query and the
services a person typing it wants), used beside the word matching (directory.search.index).

The word matching finds a service when the query's words, or the thesaurus's readings of them, are in its
listing. Families describe what their child does in words no listing uses ("holds it together at school then
explodes in the car"), and a new way of saying a thing is always coming. The judged searches show which services
such words lead to. The model reads a query as the word search does, with the thesaurus: each thesaurus concept
found in it (by the group's first phrase: "my own mental health" is a parent's need, not a child's) and the stem
of every other word, and each pair of neighbours; it weighs them by how rare they are (tf-idf, each count as 1 +
its log), then for each service by a weight each and an intercept, read as a probability (the logistic
function). It is trained by `flask search learn` (directory.search.learning) and kept as a file of numbers: no
library is needed to use it, and a search reads it in well under a millisecond.

It only knows the services its judged searches named, by their slugs; a service added since has no learned
weight and is found by its words alone. A directory with no model file searches by its words alone.
"""

import functools
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from directory.search.synonyms import Synonyms, stem, words
from directory.search.words import as_meant

FORMAT = "send-directory-search-model/1"
# A service the model gives at least this probability for a query is among its results, with or without the
# words (fewer than one service a query on average, on the judged searches the model was not trained on).
FLOOR = 0.05
# At most this many of the model's services, most likely first, for one query.
DEPTH = 10
# A query's first words: the word search reads no more (SearchIndex.search).
WORDS_READ = 32


class ModelFileError(ValueError):
    """A model file that cannot be used; the message says what is wrong."""



def features(reading: list[tuple[str | None, tuple[str, ...]]], synonyms: Synonyms) -> tuple[str, ...]:
    """A query as the model reads it, from the thesaurus's reading of its words (Synonyms.concepts): each concept
    as "~" and its group's first phrase, each other word as its stem, then each pair of neighbours. "can't sleep at
    night" is "~sleep problems", "at", "night", "~sleep problems at", "at night" (with such a group)."""
    tokens = [f"~{synonyms.name(group)}" if group is not None else stem(phrase[0]) for group, phrase in reading]
    return tuple(tokens + [f"{first} {second}" for first, second in zip(tokens, tokens[1:], strict=False)])


def text_features(text: str, synonyms: Synonyms) -> tuple[str, ...]:
    """`features` of a query as typed: its words as meant ("ds" is "son"), no more than WORDS_READ of them."""
    return features(synonyms.concepts(as_meant(words(text))[:WORDS_READ]), synonyms)


def dumps(model: dict) -> str:
    """The model as its file holds it: JSON, one concept, stem or pair a line (a new model's changes read in a
    diff)."""
    head = {key: value for key, value in model.items() if key != "features"}
    lines = [json.dumps(feature) + ": " + json.dumps(value, separators=(",", ":"))
             for feature, value in sorted(model["features"].items())]
    return json.dumps(head, indent=1)[:-2] + ',\n "features": {\n' + ",\n".join(lines) + "\n }\n}\n"


@dataclass(frozen=True)
class Likely:
    slug: str
    probability: float


class LearnedRanking:
    def __init__(self, model: dict):
        if model.get("format") != FORMAT:
            raise ModelFileError(f"not a search model (format {model.get('format')!r}, expected {FORMAT!r})")
        try:
            self.services: list[str] = list(model["services"])
            self.intercepts: list[float] = [float(value) for value in model["intercepts"]]
            # feature -> (idf, [(service number, weight), ...])
            self.features: dict[str, tuple[float, list[tuple[int, float]]]] = {
                feature: (float(idf), [(int(number), float(weight)) for number, weight in weights])
                for feature, (idf, weights) in model["features"].items()}
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"the model is not complete: {error}") from None
        if len(self.intercepts) != len(self.services) or any(
                not 0 <= number < len(self.services) for _idf, weights in self.features.values()
                for number, _weight in weights):
            raise ModelFileError("the model's weights do not match its services")
        self.trained_on: list = list(model.get("trained_on", []))

    @classmethod
    def from_file(cls, path: str | Path | None) -> "LearnedRanking | None":
        """The model in this file; None when there is no such file (the search then uses the words alone). Read
        once per process while the file is unchanged (a fifth of a second to read; every app shares it)."""
        if not path or not Path(path).is_file():
            return None
        stat = Path(path).stat()
        return _read(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)

    def decisions(self, read: tuple[str, ...]) -> list[float]:
        """For each service (in self.services' order), the model's log-odds that a person typing a query read as
        these `features` wants it."""
        counts = Counter(feature for feature in read if feature in self.features)
        out = list(self.intercepts)
        if not counts:
            return out
        weighted = {feature: (1 + math.log(count)) * self.features[feature][0] for feature, count in counts.items()}
        norm = math.sqrt(sum(value * value for value in weighted.values()))
        for feature, value in weighted.items():
            share = value / norm
            for number, weight in self.features[feature][1]:
                out[number] += share * weight
        return out

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - a model lives as long as the app, and its answers never change
    def likely(self, read: tuple[str, ...]) -> tuple[Likely, ...]:
        """The services a person typing a query read as these `features` most likely wants: up to DEPTH with
        probability at least FLOOR, most likely first (equal ones in slug order)."""
        found = [Likely(slug, 1 / (1 + math.exp(-decision)))
                 for slug, decision in zip(self.services, self.decisions(read), strict=True)]
        found = [one for one in found if one.probability >= FLOOR]
        found.sort(key=lambda one: (-one.probability, one.slug))
        return tuple(found[:DEPTH])


@functools.lru_cache(maxsize=4)
def _read(path: str, _modified: int, _size: int) -> LearnedRanking:
    try:
        return LearnedRanking(json.loads(Path(path).read_text(encoding="utf-8")))
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{path} is not JSON: {error}") from None
