"""Full-text search over services: the one module that knows Whoosh.

The database leads and the index follows: changed services are noted during a transaction, written to the
index only after commit, and forgotten on rollback. Rebuilds go into a new folder that is then swapped in.
Filters and facet counts are computed from sets of document numbers, held as Python integers used as bit
sets and cached per index generation, so a filtered query costs little more than a plain one.
"""

import logging
import os
import shutil
import threading
import uuid
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.idsets import BaseBitSet
from whoosh.index import LockError
from whoosh.query import And, AndMaybe, Or, Phrase, Query, Term

from directory.synonyms import Synonyms, words

log = logging.getLogger(__name__)

# Facet fields, in the order the search page shows them.
FACETS = ("category", "need", "district", "referrer", "cost", "accepting")
PAGE_SIZE = 20
# Up to this many matching documents, score just those (see SearchIndex._score_only).
FEW = 3000
WRITE_TIMEOUT = 30.0

_ANALYZER = StemmingAnalyzer()
_SPELLING = RegexTokenizer() | LowercaseFilter()
# (field, weight): the service name weighs most.
TEXT_FIELDS = (("name", 6.0), ("summary", 2.5), ("keywords", 2.0), ("organisation", 1.5), ("places", 1.5),
               ("description", 1.0))
PHRASE_BOOST = 4.0


def _schema() -> Schema:
    facets = {name: KEYWORD(scorable=False, lowercase=False) for name in (*FACETS, "ages")}
    return Schema(
        id=ID(stored=True, unique=True),
        # Positions only where phrases are searched (the exact-phrase boost on names): less to write and read.
        name=TEXT(analyzer=_ANALYZER),
        summary=TEXT(analyzer=_ANALYZER, phrase=False),
        description=TEXT(analyzer=_ANALYZER, phrase=False),
        keywords=TEXT(analyzer=_ANALYZER, phrase=False),
        organisation=TEXT(analyzer=_ANALYZER, phrase=False),
        places=TEXT(analyzer=_ANALYZER, phrase=False),
        spelling=TEXT(analyzer=_SPELLING, phrase=False),
        # Synonym groups mentioned in the name, and anywhere else (see Synonyms.tokens_in).
        synonyms_name=KEYWORD(),
        synonyms_text=KEYWORD(),
        name_sort=ID(sortable=True),
        **facets,
    )


def _to_whoosh(document: dict, synonyms: Synonyms) -> dict:
    fields = {key: value for key, value in document.items() if isinstance(value, str)}
    fields["synonyms_name"] = " ".join(synonyms.tokens_in(document["name"]))
    fields["synonyms_text"] = " ".join(synonyms.tokens_in(" ".join(
        document[key] for key in ("summary", "description", "keywords", "organisation", "places"))))
    for name in (*FACETS, "ages"):
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
    # Also give every matching id, unranked (SearchResults.all_ids): to say what a filter hid.
    every_id: bool = False


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


class _Bits(BaseBitSet):
    """A read-only Whoosh DocIdSet over bytes, for the `filter=` of a search."""

    def __init__(self, bits: int):
        self.bits = array("B", bits.to_bytes((bits.bit_length() + 7) // 8 or 1, "little"))

    def byte_count(self):
        return len(self.bits)

    def _get_byte(self, n):
        return self.bits[n]

    def _iter_bytes(self):
        return iter(self.bits)


class _Generation:
    """Document-number sets for one version of the index; rebuilt lazily when the index changes."""

    def __init__(self, searcher):
        self.searcher = searcher
        reader = searcher.reader()
        self.live = _bits_from(reader.all_doc_ids())
        self._postings: dict[tuple[str, str], int] = {}
        self._values: dict[str, list[str]] = {}
        self._name_order: list[int] | None = None
        self._names = reader.column_reader("name_sort")
        self._docnums: dict[str, int] | None = None

    def postings(self, fieldname: str, value: str) -> int:
        key = (fieldname, value)
        if key not in self._postings:
            bits = 0
            if (fieldname, value) in self.searcher.reader():
                bits = _bits_from(self.searcher.postings(fieldname, value).all_ids())
            self._postings[key] = bits & self.live
        return self._postings[key]

    def values(self, fieldname: str) -> list[str]:
        if fieldname not in self._values:
            self._values[fieldname] = [v.decode() if isinstance(v, bytes) else v
                                       for v in self.searcher.reader().lexicon(fieldname)]
        return self._values[fieldname]

    def docnums(self, ids: Iterable[str]) -> int:
        """The documents of these service ids."""
        if self._docnums is None:
            stored = self.searcher.reader().stored_fields
            self._docnums = {stored(docnum)["id"]: docnum for docnum in self.searcher.reader().all_doc_ids()}
        return _bits_from(self._docnums[i] for i in ids if i in self._docnums)

    def name_key(self, docnum: int) -> str:
        return self._names[docnum]

    def name_order(self) -> list[int]:
        if self._name_order is None:
            self._name_order = sorted(self.searcher.reader().all_doc_ids(), key=self.name_key)
        return self._name_order


def _bit_numbers(bits: int) -> list[int]:
    """The document numbers in a bit set, in order."""
    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    return [index * 8 + bit for index, byte in enumerate(raw) if byte for bit in range(8) if byte >> bit & 1]


def _bits_from(docnums: Iterable[int]) -> int:
    """A Python int with bit n set for each document number n (built in a bytearray: no quadratic copying)."""
    buffer = bytearray()
    for docnum in docnums:
        byte = docnum >> 3
        if byte >= len(buffer):
            buffer.extend(bytes(max(byte - len(buffer) + 1, len(buffer))))
        buffer[byte] |= 1 << (docnum & 7)
    return int.from_bytes(buffer, "little")


class SearchIndex:
    """The on-disk index under `root`: `root/current` links to the live folder."""

    def __init__(self, root: str | Path, synonyms: Synonyms):
        self.root = Path(root)
        self.synonyms = synonyms
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

    # --- searching ---------------------------------------------------------------------------------------

    def _generation(self) -> _Generation:
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
        local.generation = _Generation(searcher)
        local.target = target
        return local.generation

    def search(self, request: SearchRequest) -> SearchResults:
        generation = self._generation()
        query_words = words(request.text)[:32]
        typed = self._concepts(query_words)
        text_bits, rank = generation.live, None
        matched_any = False
        suggestion = corrected_from = None
        if typed:
            text_bits, rank = self._matching(generation, typed, every=True), (typed, True)
            correction = self._correction(generation, query_words)
            fixed = self._concepts(correction) if correction else []
            if correction:
                suggestion = " ".join(correction)
            # Fall back in order: every word as typed, every word corrected, any word, any word corrected.
            for concepts, every, corrected in ((fixed, True, True), (typed, False, False), (fixed, False, True)):
                if text_bits:
                    break
                if not concepts:
                    continue
                text_bits = self._matching(generation, concepts, every)
                if text_bits:
                    rank, matched_any = (concepts, every), not every
                    corrected_from = request.text if corrected else None
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
        for name in FACETS:
            others = text_bits & child_bits
            for other, bits in facet_bits.items():
                if other != name:
                    others &= bits
            counts = [(value, (others & generation.postings(name, value)).bit_count())
                      for value in generation.values(name)]
            selected = set(request.filters.get(name, []))
            facets[name] = [(value, count) for value, count in counts if count or value in selected]
        total = matching.bit_count()
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(request.page, 1), pages)
        if rank is None:
            docnums = self._by_name(generation, matching, page)
        else:
            ranked_words = suggestion.split() if corrected_from else query_words
            docnums = self._by_score(generation, self._query(*rank), ranked_words, matching, text_bits, page)
        stored = generation.searcher.stored_fields
        return SearchResults(
            ids=[stored(docnum)["id"] for docnum in docnums], total=total, page=page, pages=pages, facets=facets,
            suggestion=suggestion, corrected_from=corrected_from, matched_any_word=matched_any,
            all_ids=[stored(docnum)["id"] for docnum in _bit_numbers(matching)] if request.every_id else None,
        )

    @staticmethod
    def _selected(generation: _Generation, name: str, values: list[str]) -> int:
        """Documents with any of the chosen values (all documents when none is chosen)."""
        if not values:
            return generation.live
        bits = 0
        for value in values:
            bits |= generation.postings(name, value)
        return bits

    def _concepts(self, query_words: list[str]) -> list[list[Term]]:
        """Each concept of the query as the terms any of which match it: a synonym group's token (in the name
        or elsewhere), or a word's stem in any text field. Stop words alone ask for nothing."""
        concepts = []
        for group, phrase in self.synonyms.concepts(query_words):
            if group is not None:
                concepts.append([Term("synonyms_name", group, boost=TEXT_FIELDS[0][1]),
                                 Term("synonyms_text", group, boost=2.0)])
            else:
                stems = [t.text for t in _ANALYZER(phrase[0])]
                if stems:
                    concepts.append([Term(name, stems[0], boost=weight) for name, weight in TEXT_FIELDS])
        return concepts

    @staticmethod
    def _query(concepts: list[list[Term]], every: bool) -> Query:
        parts = [Or(terms) for terms in concepts]
        if len(parts) == 1:
            return parts[0]
        return And(parts) if every else Or(parts)

    @staticmethod
    def _matching(generation: _Generation, concepts: list[list[Term]], every: bool) -> int:
        """The documents matching all (or any) concepts, from cached postings: set operations, no matcher."""
        result = generation.live if every else 0
        for terms in concepts:
            bits = 0
            for term in terms:
                bits |= generation.postings(term.fieldname, term.text)
            result = result & bits if every else result | bits
        return result

    def _by_score(self, generation, query, query_words, matching: int, text_bits: int, page: int) -> list[int]:
        if not matching:
            return []
        stems = [token.text for token in _ANALYZER(" ".join(query_words))]
        if len(stems) > 1:
            # The exact phrase in a service's name ranks above the same words scattered.
            query = AndMaybe(query, Phrase("name", stems, boost=TEXT_FIELDS[0][1] * PHRASE_BOOST))
        wanted = page * PAGE_SIZE
        if matching.bit_count() <= FEW:
            hits = self._score_only(generation, query, matching)
            hits.sort(key=lambda hit: (-hit[0], generation.name_key(hit[1])))
            return [docnum for _score, docnum in hits[wanted - PAGE_SIZE:wanted]]
        limit = wanted + PAGE_SIZE
        # Without other filters Whoosh ranks the text query alone, skipping blocks that cannot make the page.
        allow = None if matching == text_bits else _Bits(matching)
        while True:
            results = generation.searcher.search(query, limit=limit, filter=allow)
            hits = [(hit.score, hit.docnum) for hit in results]
            # Stable order: ties go by name. Fetch more while a tie could reach past the page's end.
            if len(hits) < limit or hits[-1][0] < hits[wanted - 1][0]:
                break
            limit *= 2
        hits.sort(key=lambda hit: (-hit[0], generation.name_key(hit[1])))
        return [docnum for _score, docnum in hits[wanted - PAGE_SIZE:wanted]]

    @staticmethod
    def _score_only(generation: _Generation, query: Query, matching: int) -> list[tuple[float, int]]:
        """Scores for just these documents: the matcher skips to each one instead of scoring every text match
        and filtering afterwards (a filter that leaves few documents otherwise costs as much as none)."""
        searcher = generation.searcher
        matcher = query.matcher(searcher, searcher.context())
        hits = []
        for docnum in _bit_numbers(matching):
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                hits.append((matcher.score(), docnum))
        return hits

    @staticmethod
    def _by_name(generation: _Generation, matching: int, page: int) -> list[int]:
        start, found, out = (page - 1) * PAGE_SIZE, 0, []
        if matching == generation.live:
            return generation.name_order()[start:start + PAGE_SIZE]
        allowed = _Bits(matching)
        for docnum in generation.name_order():
            if docnum in allowed:
                if found >= start:
                    out.append(docnum)
                    if len(out) == PAGE_SIZE:
                        break
                found += 1
        return out

    def _correction(self, generation: _Generation, query_words: list[str]) -> list[str] | None:
        """The query with each word the index does not know replaced by its nearest known word."""
        reader = generation.searcher.reader()
        known = self.synonyms.vocabulary
        corrector = generation.searcher.corrector("spelling")
        corrected, changed = [], False
        for word in query_words:
            if word in known or ("spelling", word) in reader or not word.isalpha() or len(word) < 3:
                corrected.append(word)
                continue
            # Nearest first, then the most frequent (Whoosh's own ranking ignores the distance).
            suggestion = next((found[0] for distance in (1, 2)
                               if (found := corrector.suggest(word, limit=1, maxdist=distance, prefix=1))), None)
            corrected.append(suggestion or word)
            changed = changed or suggestion is not None
        return corrected if changed else None

