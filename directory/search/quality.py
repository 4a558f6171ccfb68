"""How well the search finds what people want: judged query sets, the measures, and a naive baseline to compare.

A judged query set is a JSON list of {"query", "kind", "source", "relevant"}, where "relevant" maps a service's
seed id (its slug) to a grade: 2 = what the person is looking for, 1 = useful too; anything not listed is 0.

The measures, each averaged over the queries of a set (a ranking is the list of slugs the search put first):

- success@5: the share of queries with a grade-2 service among the first 5 results.
- MRR (mean reciprocal rank), cut off at 10: for each query 1/rank of the first grade-2 service, or 0 when there
  is none in the first 10 results.
- nDCG@10: for each query DCG@10 / ideal DCG@10, where DCG@10 = sum over ranks i = 1..10 of
  (2^grade(i) - 1) / log2(i + 1), and the ideal is the DCG@10 of the judged services ranked by grade, highest
  first (so a ranking with every judged service in the best order scores 1).

The baseline is what the issue compares against: a plain BM25 over each service's name and description, with no
synonyms, no spelling help, no places and no filters.
"""

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select
from whoosh.analysis import StandardAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.query import Or, Term

from directory.models import Service
from directory.search import documents as search_documents

KINDS = ("condition", "everyday", "described_need", "misspelling", "contraction", "place", "abbreviation",
         "professional", "service_name")
SUCCESS_AT = 5
MRR_CUT_OFF = 10
NDCG_AT = 10


@dataclass(frozen=True)
class JudgedQuery:
    query: str
    kind: str
    source: str
    relevant: dict[str, int]  # service slug -> grade (1 or 2)


@dataclass(frozen=True)
class Scores:
    queries: int
    success_at_5: float
    mrr: float
    ndcg_at_10: float


class JudgedFileError(ValueError):
    """A judged query file that cannot be used; the message says what is wrong."""


def read_judged(path: str | Path) -> list[JudgedQuery]:
    """The queries of a judged file, checked for shape (not against the directory: see `unknown_services`)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise JudgedFileError(f"Cannot read {path}: {error}") from None
    if not isinstance(raw, list):
        raise JudgedFileError(f"{path} must hold a list of queries.")
    queries = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("query"), str) or not item["query"].strip():
            raise JudgedFileError(f"{path}: query {number} has no text.")
        relevant = item.get("relevant")
        if not isinstance(relevant, dict) or not all(
                isinstance(k, str) and v in (1, 2) for k, v in relevant.items()):
            raise JudgedFileError(f"{path}: query {number} needs grades of 1 or 2 in 'relevant'.")
        if 2 not in relevant.values():
            raise JudgedFileError(f"{path}: query {number} has no service graded 2.")
        queries.append(JudgedQuery(item["query"], str(item.get("kind", "")), str(item.get("source", "")),
                                   dict(relevant)))
    return queries


def unknown_services(queries: Iterable[JudgedQuery], slugs: set[str]) -> set[str]:
    """The judged slugs that are not services in the directory."""
    return {slug for query in queries for slug in query.relevant if slug not in slugs}


def first_relevant_rank(ranking: Sequence[str], relevant: dict[str, int], cut_off: int | None = None) -> int | None:
    """The 1-based rank of the first grade-2 service (within `cut_off` results when given), or None."""
    for rank, slug in enumerate(ranking[:cut_off] if cut_off else ranking, start=1):
        if relevant.get(slug) == 2:
            return rank
    return None


def success_at(ranking: Sequence[str], relevant: dict[str, int], k: int = SUCCESS_AT) -> float:
    """1 when a grade-2 service is among the first k results, else 0."""
    return 1.0 if first_relevant_rank(ranking, relevant, k) is not None else 0.0


def reciprocal_rank(ranking: Sequence[str], relevant: dict[str, int], cut_off: int = MRR_CUT_OFF) -> float:
    """1/rank of the first grade-2 service, 0 when none is among the first `cut_off` results."""
    rank = first_relevant_rank(ranking, relevant, cut_off)
    return 1.0 / rank if rank is not None else 0.0


def dcg(grades: Sequence[int], k: int = NDCG_AT) -> float:
    """Sum over ranks i = 1..k of (2^grade - 1) / log2(i + 1)."""
    return sum((2 ** grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(grades[:k], start=1))


def ndcg(ranking: Sequence[str], relevant: dict[str, int], k: int = NDCG_AT) -> float:
    """DCG@k of the ranking over the ideal DCG@k (the judged services by grade, highest first)."""
    ideal = dcg(sorted(relevant.values(), reverse=True), k)
    if ideal == 0:
        return 0.0
    return dcg([relevant.get(slug, 0) for slug in ranking], k) / ideal


def score(queries: Sequence[JudgedQuery], rankings: Sequence[Sequence[str]]) -> Scores:
    """The mean of each measure over the queries (each with its ranking, in the same order)."""
    if len(queries) != len(rankings):
        raise ValueError("One ranking is needed for each query.")
    n = len(queries)
    if n == 0:
        return Scores(0, 0.0, 0.0, 0.0)
    pairs = list(zip(queries, rankings, strict=True))
    return Scores(
        queries=n,
        success_at_5=sum(success_at(r, q.relevant) for q, r in pairs) / n,
        mrr=sum(reciprocal_rank(r, q.relevant) for q, r in pairs) / n,
        ndcg_at_10=sum(ndcg(r, q.relevant) for q, r in pairs) / n,
    )


def run(queries: Sequence[JudgedQuery], search: Callable[[str], list[str]]) -> list[list[str]]:
    """Each query's ranking (slugs, best first) from `search`."""
    return [search(query.query) for query in queries]


@dataclass(frozen=True)
class Failure:
    query: str
    rank: int | None  # of the first grade-2 service within the first MRR_CUT_OFF results, None when not there
    first: list[str]  # what came first instead (up to three slugs)


def failures(queries: Sequence[JudgedQuery], rankings: Sequence[Sequence[str]]) -> list[Failure]:
    """The queries whose first grade-2 service is not among the first five results."""
    out = []
    for query, ranking in zip(queries, rankings, strict=True):
        if not success_at(ranking, query.relevant):
            out.append(Failure(query.query, first_relevant_rank(ranking, query.relevant, MRR_CUT_OFF),
                               list(ranking[:3])))
    return out


def service_slugs(session: Session) -> dict[str, str]:
    """Service id (as the index holds it) -> slug (the seed id the judgments use)."""
    return {str(service_id): slug for service_id, slug in session.exec(select(Service.id, Service.slug))}


def product_search(session: Session, index) -> Callable[[str], list[str]]:
    """The search as the search page runs it: `service_search.find` with a request of just the text."""
    from directory.data import service_search
    from directory.search import SearchRequest

    slugs = service_slugs(session)

    def search(text: str) -> list[str]:
        found = service_search.find(session, index, SearchRequest(text=text))
        return [slugs[i] for i in found.results.ids if i in slugs]

    return search


class _OwnTempRamStorage(RamStorage):
    """Whoosh's RamStorage gives a writer's temporary files the folder /tmp/<index name>.tmp, the same for every
    process: two processes building an index at once delete each other's files. Each writer gets a folder of its
    own."""

    def temp_storage(self, name=None):
        return super().temp_storage(None)


class Baseline:
    """A naive BM25 search: its own index in memory over the name and description of each search document
    (directory.search.documents), the StandardAnalyzer (lower case, stop words dropped), no synonyms, no
    spelling help; a query is an OR of its words over both fields, ranked by Whoosh's default BM25F; no filters."""

    FIELDS = ("name", "description")

    def __init__(self, documents: Iterable[dict], slugs: dict[str, str]):
        analyzer = StandardAnalyzer()
        self._analyzer = analyzer
        schema = Schema(id=ID(stored=True, unique=True), name=TEXT(analyzer=analyzer),
                        description=TEXT(analyzer=analyzer))
        self._index = _OwnTempRamStorage().create_index(schema)
        writer = self._index.writer()
        for document in documents:
            writer.add_document(id=document["id"], name=document["name"] or "",
                                description=document["description"] or "")
        writer.commit()
        self._slugs = slugs

    @classmethod
    def from_database(cls, session: Session) -> "Baseline":
        return cls(search_documents.service_documents(session), service_slugs(session))

    def search(self, text: str, limit: int = NDCG_AT) -> list[str]:
        terms = list(dict.fromkeys(token.text for token in self._analyzer(text)))
        if not terms:
            return []
        query = Or([Term(field, term) for term in terms for field in self.FIELDS])
        with self._index.searcher() as searcher:
            hits = searcher.search(query, limit=limit)
            return [self._slugs[hit["id"]] for hit in hits if hit["id"] in self._slugs]

