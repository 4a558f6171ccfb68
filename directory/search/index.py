"""Full-text search over services: the index on disk, its documents' fields, and searching it.

The database leads and the index follows: changed services are noted during a transaction, written to the
index only after commit, and forgotten on rollback. Rebuilds go into a new folder that is then swapped in.
Filters and facet counts are computed from sets of document numbers, held as Python integers used as bit
sets and cached per index generation, so a filtered query costs little more than a plain one.
"""

import heapq
import logging
import os
import shutil
import threading
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.index import LockError
from whoosh.query import Phrase, Term
from whoosh.spelling import ListCorrector

from directory.search.learned import WORDS_READ, LearnedRanking, features
from directory.search.scoring import (
    Bits,
    Generation,
    bit_numbers,
    bits_from,
)
from directory.search.spelling import WordListCorrector, splits, swaps, three_way_splits
from directory.search.synonyms import Synonyms, words
from directory.search.words import FILLER, LEAVE_ALONE, PARTICLES, as_meant, is_english

log = logging.getLogger(__name__)

# Facet fields, in the order the search page shows them.
FACETS = ("category", "need", "district", "referrer", "cost", "accepting")
PAGE_SIZE = 20
WRITE_TIMEOUT = 30.0

_ANALYZER = StemmingAnalyzer()
_SPELLING = RegexTokenizer() | LowercaseFilter()
# (field, weight): the service name weighs most.
# "topic" holds the thesaurus groups mapped to the categories and needs the listing gives: a service for speech and
# language is found by "doesn't talk" whatever its listing says. It weighs more than a passing mention in a
# description and less than the name. The weights were set by a search over them on the tuned judged queries
# (`flask search quality`), then checked on a set from a judge the tuning had not seen.
TEXT_FIELDS = (("name", 6.0), ("topic", 3.2), ("summary", 1.9), ("keywords", 2.0), ("organisation", 1.5),
               ("places", 1.5), ("description", 1.0), ("waiting", 1.5))
PHRASE_BOOST = 4.0
# A thesaurus concept (a condition, a need, a service named in any of its ways) weighs this many times a plain
# word: in "hits other kids at school" the behaviour is what is asked about, and "school" is where.
GROUP_WEIGHT = 2.5
# A thesaurus concept said more than once ("lines up his cars, covers his ears at the hand dryer, could it be
# autism" says autism three ways) is what the query is about: each saying after the first adds this share of its
# weight, up to MOST_REPEATS sayings. It stays one concept for the soft AND.
REPEATED_CONCEPT = 1.0
MOST_REPEATS = 3
# How many of the best-scored services with the words of the query in their name are looked at for the exact
# phrase.
PHRASE_CANDIDATES = PAGE_SIZE
# When at least this many services have every telling concept of a query, they come first (see _ranked).
EVERY_WORD_FIRST = PAGE_SIZE
# The soft AND takes services missing more than one of the query's concepts only while fewer than this have all
# but one (in the whole directory, whatever the filters: a filter only ever hides).
SHOWN_AT_LEAST = 10
# A service missing some of the query's telling concepts keeps its share of them to this power: missing one of
# three keeps 0.74 of its score (not 0.67), one of two 0.59. Judged queries describing a need in a long sentence
# name more than any one listing says, and the service for the main need should not fall far below passing
# mentions of every word. Set on the judged sets of eleven judges, checked on three whose queries were not read.
SHARE_EXPONENT = 0.75
# A concept found in more than this share of services tells little (see SearchIndex._soft_matching).
COMMON = 0.4
# Words whose spelling correction each searcher keeps (forgotten all at once when full).
CORRECTIONS_KEPT = 10_000
# With a learned model (directory.search.learned): the page's order is a reciprocal-rank fusion of the word
# ranking and the model's, each service's score 1 / (FUSION_K + its place in the words' order, counted from 1) plus
# LEARNED_WEIGHT / (FUSION_K + its place in the model's). Chosen by leaving each training judge out in turn (k 2
# and 5, weights 0.5, 1 and 1.5 tried).
FUSION_K = 2
LEARNED_WEIGHT = 1.0


def _schema() -> Schema:
    facets = {name: KEYWORD(scorable=False, lowercase=False) for name in (*FACETS, "ages")}
    return Schema(
        id=ID(stored=True, unique=True),
        # The service's seed id, which the learned model (directory.search.learned) knows services by.
        slug=ID(),
        # The listing revision the document was written from: `search check` compares it with the database's.
        revision=ID(stored=True),
        # Positions only where phrases are searched (the exact-phrase boost on names): less to write and read.
        name=TEXT(analyzer=_ANALYZER),
        summary=TEXT(analyzer=_ANALYZER, phrase=False),
        description=TEXT(analyzer=_ANALYZER, phrase=False),
        keywords=TEXT(analyzer=_ANALYZER, phrase=False),
        topic=TEXT(analyzer=_ANALYZER, phrase=False),
        # What the service offers families waiting for another ("while you wait" in the service graph).
        waiting=TEXT(analyzer=_ANALYZER, phrase=False),
        organisation=TEXT(analyzer=_ANALYZER, phrase=False),
        places=TEXT(analyzer=_ANALYZER, phrase=False),
        spelling=TEXT(analyzer=_SPELLING, phrase=False),
        name_sort=ID(sortable=True),
        # "diagnosis" for a service only children with a diagnosis can have (see scoring.NEEDS_DIAGNOSIS).
        requires=KEYWORD(scorable=False, lowercase=False),
        **facets,
    )


def _to_whoosh(document: dict, synonyms: Synonyms) -> dict:
    fields = {key: value for key, value in document.items() if isinstance(value, str)}
    # Each thesaurus group a field mentions is added to that field as its token (syn<N>), so a group is found
    # and weighed like a word: in the name, it counts as the name.
    fields["topic"] = " ".join(synonyms.tokens_for_codes(document.get("listed", [])))
    for name, _weight in TEXT_FIELDS:
        tokens = synonyms.tokens_in(document.get(name) or "")
        if tokens:
            fields[name] = f"{fields.get(name, '')} {' '.join(tokens)}"
    for name in (*FACETS, "ages", "requires"):
        fields[name] = " ".join(document.get(name, []))
    # The words families are likely to type are in these short fields; descriptions would double the index.
    fields["spelling"] = " ".join(document[key] for key in ("name", "summary", "keywords", "organisation", "places"))
    fields["name_sort"] = document["name"].casefold()
    return fields


class SearchUnavailable(Exception):
    """The index is missing or cannot be read; the message says what to run."""


@dataclass
class SearchRequest:
    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    age: int | None = None
    district: str | None = None
    exclude_ids: frozenset[str] = frozenset()  # e.g. services the router says the child cannot use
    page: int = 1
    per_page: int = PAGE_SIZE  # results in a page (the API may ask for more in one call)
    # With no words to search for: words that order the results without narrowing them (the place of "tamworth"
    # typed alone: the services named for it, then those for the fewest areas, first).
    order_by: str = ""
    # Also give every matching id, unranked (SearchResults.all_ids): to say what a filter hid.
    every_id: bool = False
    # Only the total (and all_ids when asked): no ranked page, no facet counts, no "Did you mean" unless the words
    # found nothing. For counting what a choice hid, where ranking every match would be wasted.
    count_only: bool = False


@dataclass
class SearchResults:
    ids: list[str]
    total: int
    page: int
    pages: int
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None = None  # "Did you mean ..."
    corrected_from: str | None = None  # the results are for `suggestion` because `text` found nothing
    matched_any_word: bool = False  # no service had every word, so these have some of them
    all_ids: list[str] | None = None  # every match, unranked, when the request asked (every_id)


@dataclass
class _Concept:
    terms: list[Term]  # any of which match the concept
    name_term: Term  # the one that finds it in a service's name
    # The stems of the words as typed that carry meaning, which an exact phrase in a name is looked for with (a
    # group's words too: "aiming high" is the short breaks group, and the name of one of them).
    stems: tuple[str, ...] = ()
    # A thesaurus group (a condition, a need, a service), not a plain word.
    known: bool = False


@dataclass
class _Ranking:
    concepts: list[_Concept]
    bits: int  # the services that match enough of the concepts
    tiers: list[int]  # those services, most concepts first
    all_matched: bool  # some service has every telling concept
    telling: int = 0  # how many concepts the tiers count


class SearchIndex:
    """The on-disk index under `root`: `root/current` links to the live folder."""

    def __init__(self, root: str | Path, synonyms: Synonyms, learned: LearnedRanking | None = None):
        self.root = Path(root)
        self.synonyms = synonyms
        # What people typing words like these have wanted; None: the words alone.
        self.learned = learned
        self._local = threading.local()

    # --- storage -----------------------------------------------------------------------------------------

    @property
    def current(self) -> Path:
        return self.root / "current"

    def exists(self) -> bool:
        return self.current.exists() and whoosh_index.exists_in(str(self.current))

    def _open(self):
        if not self.exists():
            raise SearchUnavailable(
                f"The search index is missing at {self.current}. Run: flask --app wsgi search rebuild"
            )
        # Through the real folder, not the link: a rebuild may swap the link while this index is open.
        return whoosh_index.open_dir(os.path.realpath(self.current))

    def rebuild(self, documents: Iterable[dict]) -> int:
        """Build a whole new index from `documents` in a new folder, then swap it in; returns the count.

        While it builds, the live index's write lock is held, so an update that commits meanwhile waits, then
        sees the swap and writes into the new index (see `update`).
        """
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self.root / f"index-{uuid.uuid4().hex}"
        folder.mkdir()
        old_writer = None
        if self.exists():
            old_writer = self._open().writer(timeout=WRITE_TIMEOUT)
        writer = None
        try:
            new = whoosh_index.create_in(str(folder), _schema())
            writer = new.writer(limitmb=256, procs=2, multisegment=True)
            count = 0
            for document in documents:
                writer.add_document(**_to_whoosh(document, self.synonyms))
                count += 1
            writer.commit()
            writer = None
            previous = os.path.realpath(self.current) if self.current.exists() else None
            link = self.root / f"current-{uuid.uuid4().hex}"
            os.symlink(folder.name, link)
            os.replace(link, self.current)  # atomic: readers see the old index or the new one
        except BaseException:
            if writer is not None:
                writer.cancel()  # closes its files and stops its worker processes
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            if old_writer is not None:
                old_writer.cancel()
        # Keep the previous folder, which other processes may still be reading or waiting to write to (they move
        # to the new one on their next request or write); remove any older ones.
        keep = {folder.resolve(), Path(previous).resolve() if previous else None}
        for old in self.root.glob("index-*"):
            if old.resolve() not in keep:
                shutil.rmtree(old, ignore_errors=True)
        return count

    def update(self, documents: list[dict], deleted_ids: Iterable[str] = ()) -> None:
        """Replace the given services' documents and delete others, under the write lock."""
        for _attempt in range(3):
            ix = self._open()
            target = ix.storage.folder
            try:
                writer = ix.writer(timeout=WRITE_TIMEOUT)
            except LockError as error:
                raise SearchUnavailable(f"The search index stayed locked for {WRITE_TIMEOUT} s") from error
            except FileNotFoundError:
                continue  # the folder went away while waiting: a rebuild replaced it
            if os.path.realpath(self.current) != target:
                writer.cancel()  # a rebuild swapped the index in while we waited: write to the new one
                continue
            for service_id in deleted_ids:
                writer.delete_by_term("id", service_id)
            for document in documents:
                writer.update_document(**_to_whoosh(document, self.synonyms))
            writer.commit()
            return
        raise SearchUnavailable("The search index kept being rebuilt while updating it")

    def document_ids(self) -> set[str]:
        with self._open().searcher() as searcher:
            return {fields["id"] for fields in searcher.all_stored_fields()}

    def stored_revisions(self) -> dict[str, str | None]:
        """{service id: the listing revision its document was written from}; None for a document written before
        revisions were stored."""
        with self._open().searcher() as searcher:
            return {fields["id"]: fields.get("revision") for fields in searcher.all_stored_fields()}

    def has_current_schema(self) -> bool:
        """Whether the live index has every field documents are written with now (an index built before a field
        was added, such as the listing revision or the services a family might wait for, must be rebuilt)."""
        return set(_schema().names()) <= set(self._open().schema.names())

    # --- searching ---------------------------------------------------------------------------------------

    def _generation(self) -> Generation:
        """This thread's long-lived searcher, refreshed when the index has changed or been swapped."""
        local = self._local
        target = os.path.realpath(self.current) if self.current.exists() else None
        generation = getattr(local, "generation", None)
        if generation is not None and local.target == target and generation.searcher.up_to_date():
            return generation
        if generation is not None:
            generation.searcher.close()
        # A new searcher, not Searcher.refresh(): refresh reuses segment readers and so misses new deletions.
        searcher = self._open().searcher()
        local.generation = Generation(searcher)
        local.target = target
        return local.generation

    def version(self) -> tuple[str | None, int, int]:
        """What this thread's searches read: the live folder, its generation and the thesaurus the queries are read
        with (a server takes up a new thesaurus a moment after the rebuilt index). It changes with every write,
        every rebuild and every new thesaurus, so what a search showed can be kept by it."""
        generation = self._generation()
        return self._local.target, generation.searcher.reader().generation(), self.synonyms.number

    def search(self, request: SearchRequest) -> SearchResults:
        generation = self._generation()
        query_words = as_meant(words(request.text))[:WORDS_READ]
        reading = self.synonyms.concepts(query_words)
        typed = self._concepts(query_words, reading)
        text_bits, ranking = generation.live, None
        matched_any = False
        suggestion = corrected_from = None
        if typed:
            ranking = self._soft_matching(generation, typed)
            text_bits = ranking.bits
            # A count needs the correction only when the words as typed found nothing.
            wanted = not request.count_only or not text_bits
            correction = self._correction(generation, query_words) if wanted else None
            matched_any = bool(text_bits) and not ranking.all_matched
            if correction:
                suggestion = " ".join(correction)
                fixed = self._concepts(correction) if not text_bits or not ranking.all_matched else []
                corrected = self._soft_matching(generation, fixed) if fixed else None
                if corrected is not None and corrected.bits:
                    if not text_bits:
                        ranking, text_bits, corrected_from = corrected, corrected.bits, request.text
                        matched_any = not ranking.all_matched
                    else:
                        # The original words found something: the page stays theirs, with "Did you mean" offered,
                        # but a misspelt word counts as the word it is nearest to ("speach therapy" ranks speech
                        # and language therapy first, not every therapy).
                        ranking, text_bits = corrected, corrected.bits
        learned = self._learned(generation, reading) if typed else []
        if learned:
            # What people typing these words wanted is found, with the words or without them.
            text_bits |= bits_from(sorted(learned))
        child_bits = generation.live
        if request.age is not None:
            child_bits &= generation.postings("ages", str(request.age))
        if request.district:
            child_bits &= generation.postings("district", request.district)
        if request.exclude_ids:
            child_bits &= ~generation.docnums(request.exclude_ids)
        facet_bits = {
            name: self._selected(generation, name, request.filters.get(name, [])) for name in FACETS
        }
        matching = text_bits & child_bits
        for bits in facet_bits.values():
            matching &= bits
        facets = {}
        for name in () if request.count_only else FACETS:
            others = text_bits & child_bits
            for other, bits in facet_bits.items():
                if other != name:
                    others &= bits
            counts = [(value, (others & generation.postings(name, value)).bit_count())
                      for value in generation.values(name)]
            selected = set(request.filters.get(name, []))
            facets[name] = [(value, count) for value, count in counts if count or value in selected]
        total = matching.bit_count()
        per_page = max(1, request.per_page)
        pages = max(1, -(-total // per_page))
        page = min(max(request.page, 1), pages)
        if request.count_only:
            docnums = []
        elif ranking is None:
            docnums = self._ordered(generation, request.order_by, matching, page, per_page)
        else:
            # Where the person is not known (no area chosen or read from the words), a service for more of the
            # directory's area is more likely to be one they can use.
            located = bool(request.district or request.filters.get("district"))
            shown = [docnum for docnum in learned if matching >> docnum & 1]
            if shown:
                wanted = page * per_page
                # Each learned service can lift one service of the words' order past the page's end, no more.
                by_words = self._ranked(generation, ranking, matching, 1, wanted + len(shown), located)
                docnums = _fused(by_words, shown)[wanted - per_page:wanted]
            else:
                docnums = self._ranked(generation, ranking, matching, page, per_page, located)
        stored = generation.searcher.stored_fields
        return SearchResults(
            ids=[stored(docnum)["id"] for docnum in docnums], total=total, page=page, pages=pages, facets=facets,
            suggestion=suggestion, corrected_from=corrected_from, matched_any_word=matched_any,
            all_ids=generation.ids_of(bit_numbers(matching)) if request.every_id else None,
        )

    def _learned(self, generation: Generation, reading) -> list[int]:
        """The documents of the services the learned model says people typing a query read so want, most likely
        first."""
        if self.learned is None:
            return []
        out = []
        for likely in self.learned.likely(features(reading, self.synonyms)):
            bits = generation.postings("slug", likely.slug)
            if bits:
                out.append(bits.bit_length() - 1)
        return out

    @staticmethod
    def _selected(generation: Generation, name: str, values: list[str]) -> int:
        """Documents with any of the chosen values (all documents when none is chosen)."""
        if not values:
            return generation.live
        bits = 0
        for value in values:
            bits |= generation.postings(name, value)
        return bits

    def names_with(self, name_words: Iterable[str], most: int) -> list[str]:
        """The names (lower case) of up to `most` services whose name has every one of these words."""
        generation = self._generation()
        found = generation.live
        stems = [token.text for word in name_words for token in _ANALYZER(word)]
        if not stems:
            return []
        for stem in stems:
            found &= generation.postings("name", stem)
        return [generation.name_key(docnum) for docnum in bit_numbers(found)[:most]]

    def _concepts(self, query_words: list[str], reading=None) -> list[_Concept]:
        """Each concept of the query as the terms any of which match it: a synonym group's token (in the name
        or elsewhere), or a word's stem in any text field. Stop words alone ask for nothing, and a concept said
        twice ("masks at school, falls apart at home" is autism twice) is one concept that weighs more (see
        REPEATED_CONCEPT)."""
        read = self.synonyms.concepts(query_words) if reading is None else reading
        said = Counter(group for group, phrase in read
                       if group is not None and not all(word in FILLER for word in phrase))
        concepts, seen = [], set()
        for group, phrase in read:
            if group is not None:
                if group in seen or all(word in FILLER for word in phrase):
                    continue  # said before, or only words that ask for nothing ("while" is "whilst")
                seen.add(group)
                weight_said = GROUP_WEIGHT * (1 + REPEATED_CONCEPT * (min(said[group], MOST_REPEATS) - 1))
                terms = [Term(field_name, group, boost=weight * weight_said) for field_name, weight in TEXT_FIELDS]
                stems = tuple(t.text for word in phrase if word not in FILLER for t in _ANALYZER(word))
                concepts.append(_Concept(terms, terms[0], stems, known=True))
            elif phrase[0] not in FILLER and phrase[0] not in PARTICLES and not phrase[0].isdecimal():
                stems = [t.text for t in _ANALYZER(phrase[0])]
                if stems and stems[0] not in seen:
                    seen.add(stems[0])
                    terms = [Term(field_name, stems[0], boost=weight) for field_name, weight in TEXT_FIELDS]
                    concepts.append(_Concept(terms, terms[0], (stems[0],)))
        return concepts

    @staticmethod
    def _soft_matching(generation: Generation, concepts: list[_Concept]) -> _Ranking:
        """A soft AND: services with all of the query's telling concepts first, then those missing one, and fewer
        only while that leaves under SHOWN_AT_LEAST services (a long sentence, "school is too far away and she
        can't use the normal bus", is rarely all in one listing). A plain word most services use ("child",
        "support") tells little: it adds to the score but neither narrows the results nor counts towards "all". A
        thesaurus concept always counts, however many services mention it: it is what the family describes ("lines
        up his toys" is autism, in most listings of a SEND directory). One no service mentions counts for nothing."""
        bits = []
        for concept in concepts:
            found = 0
            for term in concept.terms:
                found |= generation.postings(term.fieldname, term.text)
            bits.append(found)
        live = generation.live.bit_count()
        telling = [b for concept, b in zip(concepts, bits, strict=True)
                   if b and (concept.known or b.bit_count() <= COMMON * live)] or [b for b in bits if b]
        if not telling:
            return _Ranking(concepts, 0, [], True)
        # at_least[k]: the services with at least k of the telling concepts (bit-sliced counting).
        at_least = [generation.live] + [0] * len(telling)
        for concept_bits in telling:
            for k in range(len(telling), 0, -1):
                at_least[k] |= at_least[k - 1] & concept_bits
        fewest = max(1, len(telling) - 1)
        while fewest > 1 and at_least[fewest].bit_count() < SHOWN_AT_LEAST:
            fewest -= 1
        tiers = [at_least[k] & ~(at_least[k + 1] if k < len(telling) else 0)
                 for k in range(len(telling), fewest - 1, -1)]
        # "All" is honest: a word no listing uses means no service matched every word.
        return _Ranking(concepts, at_least[fewest], tiers, bool(at_least[len(telling)]) and all(bits), len(telling))

    def _ranked(self, generation: Generation, ranking: _Ranking, matching: int, page: int,
                per_page: int, located: bool = True) -> list[int]:
        """The page's documents, by score; equal scores by how many concepts the name holds, then the shorter name
        (a service named for the query), never the alphabet.

        A document's score is the sum of its concepts' scores (each by its best field, with a little for the
        others: a word in a service's name counts for the name, not once for every field that repeats it) times
        the share of the query's telling concepts it has, to SHARE_EXPONENT (a service with every word keeps all
        its score; one missing one of three keeps about three quarters, so a service named for the main word can
        still come before passing mentions), plus a boost when the name holds the words as an exact phrase, all
        times the service's prior (Generation.prior_factors: more for a service more kinds of people may refer
        to, less for one nobody can ask for directly, and, unless `located`, more for one that covers more of the
        directory's area).
        Concept scores are kept per generation (Generation.concept_scores), so a search mostly adds up kept scores
        instead of running a matcher over every match, and only the documents that can reach the page are put in
        full order."""
        if not matching:
            return []
        stems = [stem for concept in ranking.concepts for stem in concept.stems]
        phrase, phrase_docs = None, 0
        if len(stems) > 1:
            # The exact phrase in a service's name ranks above the same words scattered.
            phrase = Phrase("name", stems, boost=TEXT_FIELDS[0][1] * PHRASE_BOOST)
            phrase_docs = generation.live
            for stem in stems:
                phrase_docs &= generation.postings("name", stem)
        in_name = [generation.postings(c.name_term.fieldname, c.name_term.text) for c in ranking.concepts]
        wanted, out, merged = page * per_page, [], []
        # Many services with every telling concept: those first, as a plain soft AND (and the others are scored
        # only if the page needs them). Few: every service found competes, with its share of the score.
        strict = (ranking.tiers[0] & matching).bit_count() >= EVERY_WORD_FIRST if ranking.tiers else True
        for number, tier in enumerate(ranking.tiers):
            tier &= matching
            if not tier:
                continue
            concept_scores = [generation.concept_scores(concept, tier) for concept in ranking.concepts]
            if len(concept_scores) == 1:
                only = concept_scores[0]
                scored = [(only[docnum], docnum) for docnum in bit_numbers(tier) if docnum in only]
            else:
                scored = []
                for docnum in bit_numbers(tier):
                    score, found = 0.0, False
                    for scores in concept_scores:
                        part = scores.get(docnum)
                        if part is not None:
                            score += part
                            found = True
                    if found:
                        scored.append((score, docnum))
            factors = generation.prior_factors(located)
            scored = [(score * factors[docnum], docnum) for score, docnum in scored]
            if strict:
                scored = self._with_phrase(generation, phrase, phrase_docs, scored, factors)
                out.extend(self._best(generation, scored, in_name, wanted - len(out)))
                if len(out) >= wanted:
                    break
            else:
                # A service missing some of the telling concepts keeps that share of its score (to SHARE_EXPONENT).
                share = ((ranking.telling - number) / ranking.telling) ** SHARE_EXPONENT
                merged.extend((score * share, docnum) for score, docnum in scored)
        if not strict:
            out = self._best(generation, self._with_phrase(generation, phrase, phrase_docs, merged,
                                                           generation.prior_factors(located)), in_name, wanted)
        return out[wanted - per_page:wanted]

    @staticmethod
    def _with_phrase(generation: Generation, phrase: Phrase | None, phrase_docs: int,
                     scored: list[tuple[float, int]], factors) -> list[tuple[float, int]]:
        """The scores with the exact phrase's boost added, for the best few that have its words in their name (not
        every service whose name has them: "family support" is in hundreds of names at 10,000 services)."""
        if phrase is None or not scored:
            return scored
        named = set(bit_numbers(phrase_docs))
        near = [docnum for _score, docnum in heapq.nlargest(
            PHRASE_CANDIDATES, (hit for hit in scored if hit[1] in named))]
        boosts = generation.phrase_scores(phrase, near) if near else {}
        if not boosts:
            return scored
        return [(score + boosts[docnum] * factors[docnum], docnum) if docnum in boosts else (score, docnum)
                for score, docnum in scored]

    @staticmethod
    def _best(generation: Generation, scored: list[tuple[float, int]], in_name: list[int], count: int) -> list[int]:
        """The first `count` of (score, docnum) in the ranking's order: score rounded to 6 places, highest first,
        then the ties' keys. Only documents that can reach the first `count` are rounded and put in full order: a
        score more than 0.000001 below the count-th best rounds below it too."""
        if len(scored) > count:
            cutoff = heapq.nlargest(count, [score for score, _docnum in scored])[-1] - 1e-6
            scored = [hit for hit in scored if hit[0] >= cutoff]
        scored = [(-round(score, 6), docnum) for score, docnum in scored]
        if len(scored) > count:
            threshold = heapq.nsmallest(count, [key for key, _docnum in scored])[-1]
            scored = [hit for hit in scored if hit[0] <= threshold]
        scored.sort(key=lambda hit: (hit[0], -sum(bits >> hit[1] & 1 for bits in in_name),
                                     len(generation.name_key(hit[1])), hit[1]))
        return [docnum for _key, docnum in scored[:count]]

    @staticmethod
    def _ordered(generation: Generation, order_by: str, matching: int, page: int, per_page: int) -> list[int]:
        """Every match: those with the `order_by` words in their name first, then those for the fewest areas, each
        by name. With no `order_by` words, by name."""
        stems = [token.text for token in _ANALYZER(order_by)] if order_by else []
        if not stems or not matching:
            return SearchIndex._by_name(generation, matching, page, per_page)
        named = generation.live
        for stem in stems:
            named &= generation.postings("name", stem)
        areas, by_name = generation.area_counts(), generation.name_ranks()
        wanted = page * per_page
        named = set(bit_numbers(named))
        first = heapq.nsmallest(wanted, bit_numbers(matching),
                                key=lambda docnum: (docnum not in named, areas[docnum], by_name[docnum]))
        return first[wanted - per_page:]

    @staticmethod
    def _by_name(generation: Generation, matching: int, page: int, per_page: int) -> list[int]:
        start, found, out = (page - 1) * per_page, 0, []
        if matching == generation.live:
            return generation.name_order()[start:start + per_page]
        allowed = Bits(matching)
        for docnum in generation.name_order():
            if docnum in allowed:
                if found >= start:
                    out.append(docnum)
                    if len(out) == per_page:
                        break
                found += 1
        return out

    def _correction(self, generation: Generation, query_words: list[str]) -> list[str] | None:
        """The query with each word nobody would mean as typed replaced by its nearest word in the directory's
        own vocabulary or the thesaurus. Never touched: stop words and contractions ("wont" is not "want"),
        numbers and short words, and any word the directory (in any field) or the thesaurus already knows. An
        English word ("hits", "floor") is changed only when its nearest word makes a thesaurus phrase with the
        words beside it ("short brakes" is "short breaks"; "hits other kids" stays as typed)."""
        corrected, changed = [], False
        for i, word in enumerate(query_words):
            # Kept per generation: whether and how a word is corrected depends only on the index and thesaurus.
            if word in generation.corrections:
                suggestion = generation.corrections[word]
            else:
                suggestion = self._correct_word(generation, word)
                if len(generation.corrections) >= CORRECTIONS_KEPT:
                    generation.corrections.clear()
                generation.corrections[word] = suggestion
            if suggestion is not None and is_english(word) and not self._makes_phrase(query_words, i, suggestion):
                suggestion = None
            corrected.extend((suggestion or word).split())
            changed = changed or suggestion is not None
        return corrected if changed else None

    def _makes_phrase(self, query_words: list[str], i: int, suggestion: str) -> bool:
        """Whether the suggestion in place of word i, with the word before or after it, is a thesaurus phrase."""
        fixed = [*query_words[:i], *suggestion.split(), *query_words[i + 1:]]
        last = i + len(suggestion.split()) - 1
        return any(self.synonyms.is_phrase(fixed[start:end])
                   for start in range(max(0, i - 2), i + 1) for end in range(last + 1, min(len(fixed), last + 3) + 1)
                   if end - start >= 2)

    def _correct_word(self, generation: Generation, word: str) -> str | None:
        reader = generation.searcher.reader()
        known = self.synonyms.vocabulary
        if (word in known or word in LEAVE_ALONE or len(word) < 4 or not word.isalpha()
                or ("spelling", word) in reader or self._in_listings(reader, word)):
            return None
        # Two letters swapped is the commonest slip ("echp", "autsim"), one step for a person but two for
        # Levenshtein: tried first. Then nearest first, the listings' words before the thesaurus's (Whoosh's
        # MultiCorrector returns its pairs the wrong way round in 2.7).
        def is_known(candidate: str) -> bool:
            return candidate in known or ("spelling", candidate) in reader

        suggestion = next((swapped for swapped in swaps(word) if is_known(swapped)), None)
        # Two words run together ("shortbreaks", "selfharm"): both halves known words, neither a stop word.
        suggestion = suggestion or next((f"{first} {second}" for first, second in splits(word)
                                         if first not in FILLER and second not in FILLER
                                         and is_known(first) and is_known(second)), None)
        suggestion = suggestion or next((f"{first} {joining} {last}" for first, joining, last in three_way_splits(word)
                                         if first not in FILLER and last not in FILLER
                                         and is_known(first) and is_known(last)), None)
        correctors = (generation.searcher.corrector("spelling"), self._thesaurus_corrector())
        return suggestion or next(
            (found[0] for distance in (1, 2) for corrector in correctors
             if (found := corrector.suggest(word, limit=1, maxdist=distance, prefix=1))), None)

    @staticmethod
    def _in_listings(reader, word: str) -> bool:
        """Whether any listing uses the word (its stem in any text field, descriptions included)."""
        stems = [token.text for token in _ANALYZER(word)]
        return bool(stems) and any((field_name, stems[0]) in reader for field_name, _weight in TEXT_FIELDS)

    def _thesaurus_corrector(self) -> ListCorrector:
        words_known = getattr(self, "_thesaurus_words", None)
        if words_known is None or words_known[0] is not self.synonyms:
            self._thesaurus_words = (self.synonyms, WordListCorrector(sorted(
                w for w in self.synonyms.vocabulary if w.isalpha() and len(w) > 3)))
        return self._thesaurus_words[1]


def _fused(by_words: list[int], learned: list[int]) -> list[int]:
    """The word ranking and the learned one as one order (see FUSION_K): each document's share from each order it
    is in; equal ones in the words' order, then the model's."""
    in_words = {docnum: place for place, docnum in enumerate(by_words)}
    in_learned = {docnum: place for place, docnum in enumerate(learned)}
    scores = {docnum: 1 / (FUSION_K + 1 + place) for docnum, place in in_words.items()}
    for docnum, place in in_learned.items():
        scores[docnum] = scores.get(docnum, 0.0) + LEARNED_WEIGHT / (FUSION_K + 1 + place)
    return sorted(scores, key=lambda docnum: (-scores[docnum], in_words.get(docnum, len(by_words)),
                                              in_learned.get(docnum, len(learned))))
