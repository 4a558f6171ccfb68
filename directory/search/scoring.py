"""Scoring over a Whoosh index: sets of document numbers as Python integers, each index generation's kept
scores (a concept's scores by its best field, exact phrases, the priors), and a concept's best-field score with
the tie breaker that Whoosh 2.7's DisjunctionMax drops. Used by directory.search.index."""

from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from whoosh.idsets import BaseBitSet
from whoosh.query import Phrase, Query, Term

# A concept's other fields add this share of their scores to its best field's (disjunction-max with a tie
# breaker): of two services with the same best field, the one that also mentions the concept elsewhere comes first.
TIEBREAK = 0.2
# Document scores each searcher keeps, over all concepts (a word or a thesaurus group), least recently used
# dropped first: about 50 MB. At 10,000 services every concept of the benchmark's queries fits; at 100,000 about
# ten common ones do.
SCORES_KEPT = 500_000
# Below this share of a concept's matches, a search scores just the documents it needs by skipping to them;
# above it, all the matches are scored at once (straight through the postings, faster per document).
SKIP_SHARE = 8
# Exact phrases whose scores each searcher keeps (forgotten all at once when full).
PHRASES_KEPT = 10_000
# A search from someone whose area is not known: a service's score is raised by up to this share, for the share of
# the widest service's areas it covers (a county-wide service before one for a single town, other things equal).
WIDE_AREA_PRIOR = 0.3
# Any search: a service's score is raised by up to this share, for how many kinds of people may refer to it (its
# "who can refer" roles) over the most any service has. A service families, schools and GPs can all ask for is
# more likely what a search is for than one only a few specialists can refer to (a keyworker service for young
# people on a hospital-risk register; an assessment offered only to those already on an NHS list).
OPEN_REFERRAL_PRIOR = 0.4
# A service nobody can ask for directly (no "who can refer" role, not even families: one offered only to those on
# another service's list, or arranged only after another's assessment) is a second step: its score is multiplied
# by this.
NO_DIRECT_REFERRAL = 0.8
# A service only children with a diagnosis can have (its eligibility rule is not met without one: a team for
# children with a diagnosed hearing loss; a keyworker for autistic young people at risk of hospital admission) is,
# for a search describing what a child does, rarely the first step: its score is multiplied by this. Families
# searching in their own words are often still waiting for a diagnosis.
NEEDS_DIAGNOSIS = 0.85


class Bits(BaseBitSet):
    """A read-only Whoosh DocIdSet over bytes, for the `filter=` of a search."""

    def __init__(self, bits: int):
        self.bits = array("B", bits.to_bytes((bits.bit_length() + 7) // 8 or 1, "little"))

    def byte_count(self):
        return len(self.bits)

    def _get_byte(self, n):
        return self.bits[n]

    def _iter_bytes(self):
        return iter(self.bits)


@dataclass
class ConceptScores:
    """A concept's scores in one generation, for the documents searches have needed so far."""

    scores: dict[int, float]
    covered: int  # the documents whose scores have been worked out (a bit set)
    matches: int  # the documents matching the concept


class Generation:
    """Document-number sets for one version of the index; rebuilt lazily when the index changes."""

    def __init__(self, searcher):
        self.searcher = searcher
        reader = searcher.reader()
        self.live = bits_from(reader.all_doc_ids())
        self._postings: dict[tuple[str, str], int] = {}
        self._values: dict[str, list[str]] = {}
        self._name_order: list[int] | None = None
        self._names = reader.column_reader("name_sort")
        self._docnums: dict[str, int] | None = None
        self._ids: dict[int, str] | None = None
        self._concept_scores: OrderedDict[tuple, ConceptScores] = OrderedDict()
        self._scores_kept = 0  # documents' scores kept, over all concepts
        self._area_counts: array | None = None
        self._name_ranks: array | None = None
        self._prior_factors: dict[bool, array] = {}
        self._phrase_scores: dict[tuple, tuple[dict[int, float], set[int]]] = {}
        self.corrections: dict[str, str | None] = {}  # word -> its correction (None: left as typed)

    def concept_scores(self, concept, docs: int) -> dict[int, float]:
        """{docnum: score} for at least the documents in `docs` that match the concept, by its best field and a
        share of the others (best_field_scores). A score depends only on the index, so each document's is worked
        out once per generation, the first time a search needs it (only the documents that can reach its page),
        instead of on every search for every match."""
        key = tuple((term.fieldname, term.text, term.boost) for term in concept.terms)
        kept = self._concept_scores.get(key)
        if kept is None:
            matches = 0
            for term in concept.terms:
                matches |= self.postings(term.fieldname, term.text)
            kept = self._concept_scores[key] = ConceptScores({}, 0, matches)
        else:
            self._concept_scores.move_to_end(key)
        missing = docs & kept.matches & ~kept.covered
        if not missing:
            return kept.scores
        self._scores_kept -= len(kept.scores)
        if missing.bit_count() * SKIP_SHARE < kept.matches.bit_count():
            # A few documents: each term's matcher skips to those of them it has.
            kept.scores.update(best_field_scores(
                self.searcher, concept.terms, lambda term: missing & self.postings(term.fieldname, term.text)))
            kept.covered |= missing
        else:
            kept.scores.update(best_field_scores(self.searcher, concept.terms))
            kept.covered = kept.matches
        self._scores_kept += len(kept.scores)
        while self._scores_kept > SCORES_KEPT and len(self._concept_scores) > 1:
            _key, dropped = self._concept_scores.popitem(last=False)
            self._scores_kept -= len(dropped.scores)
        return kept.scores

    def phrase_scores(self, phrase: Phrase, docnums: list[int]) -> dict[int, float]:
        """{docnum: score} of the exact phrase for these documents (those without it left out), each worked out
        once per generation (a search repeated, or its next page, reads them again)."""
        key = (phrase.fieldname, tuple(phrase.words), phrase.boost)
        kept = self._phrase_scores.setdefault(key, ({}, set()))
        found, looked_at = kept
        missing = [docnum for docnum in docnums if docnum not in looked_at]
        if missing:
            found.update((docnum, score) for score, docnum in score_only(self.searcher, phrase, bits_from(missing)))
            looked_at.update(missing)
            if len(self._phrase_scores) > PHRASES_KEPT:
                self._phrase_scores.clear()
                self._phrase_scores[key] = kept
        return {docnum: found[docnum] for docnum in docnums if docnum in found}

    def name_ranks(self) -> array:
        """Each document's place in name order, by document number."""
        if self._name_ranks is None:
            ranks = array("I", bytes(4 * self.searcher.doc_count_all()))
            for rank, docnum in enumerate(self.name_order()):
                ranks[docnum] = rank
            self._name_ranks = ranks
        return self._name_ranks

    def prior_factors(self, located: bool) -> array:
        """By document number, what a service's score is multiplied by before anything about the query: 1 +
        OPEN_REFERRAL_PRIOR x its referrer roles over the most any service has (NO_DIRECT_REFERRAL with none), times
        NEEDS_DIAGNOSIS for a service only children with a diagnosis can have, and,
        unless the person's area is known (`located`), times 1 + WIDE_AREA_PRIOR x the share of the widest
        service's districts it covers."""
        if located not in self._prior_factors:
            if True not in self._prior_factors:
                roles = array("H", bytes(2 * self.searcher.doc_count_all()))
                for value in self.values("referrer"):
                    for docnum in bit_numbers(self.postings("referrer", value)):
                        roles[docnum] += 1
                most_roles = max(roles, default=0) or 1
                factors = array("d", (
                    1 + OPEN_REFERRAL_PRIOR * count / most_roles if count else NO_DIRECT_REFERRAL for count in roles))
                for docnum in bit_numbers(self.postings("requires", "diagnosis")):
                    factors[docnum] *= NEEDS_DIAGNOSIS
                self._prior_factors[True] = factors
            if not located:
                areas = self.area_counts()
                widest = max(areas, default=0) or 1
                self._prior_factors[False] = array("d", (factor * (1 + WIDE_AREA_PRIOR * count / widest)
                                                         for factor, count in zip(self._prior_factors[True], areas,
                                                                                  strict=True)))
        return self._prior_factors[located]

    def area_counts(self) -> array:
        """How many districts each document's service covers, by document number."""
        if self._area_counts is None:
            counts = array("H", bytes(2 * self.searcher.doc_count_all()))
            for value in self.values("district"):
                for docnum in bit_numbers(self.postings("district", value)):
                    counts[docnum] += 1
            self._area_counts = counts
        return self._area_counts

    def postings(self, fieldname: str, value: str) -> int:
        key = (fieldname, value)
        if key not in self._postings:
            bits = 0
            if (fieldname, value) in self.searcher.reader():
                bits = bits_from(self.searcher.postings(fieldname, value).all_ids())
            self._postings[key] = bits & self.live
        return self._postings[key]

    def values(self, fieldname: str) -> list[str]:
        if fieldname not in self._values:
            self._values[fieldname] = [v.decode() if isinstance(v, bytes) else v
                                       for v in self.searcher.reader().lexicon(fieldname)]
        return self._values[fieldname]

    def docnums(self, ids: Iterable[str]) -> int:
        """The documents of these service ids."""
        docnums = self._id_map()
        return bits_from(docnums[i] for i in ids if i in docnums)

    def ids_of(self, docnums: list[int]) -> list[str]:
        """The service ids of these documents: read from the stored fields for a few, or from one read of every
        stored id, kept for the generation."""
        if self._ids is None and self._docnums is None and len(docnums) * 4 < self.searcher.doc_count_all():
            stored = self.searcher.stored_fields
            return [stored(docnum)["id"] for docnum in docnums]
        if self._ids is None:
            self._ids = {docnum: service_id for service_id, docnum in self._id_map().items()}
        return [self._ids[docnum] for docnum in docnums]

    def _id_map(self) -> dict[str, int]:
        if self._docnums is None:
            stored = self.searcher.reader().stored_fields
            self._docnums = {stored(docnum)["id"]: docnum for docnum in self.searcher.reader().all_doc_ids()}
        return self._docnums

    def name_key(self, docnum: int) -> str:
        return self._names[docnum]

    def name_order(self) -> list[int]:
        if self._name_order is None:
            self._name_order = sorted(self.searcher.reader().all_doc_ids(), key=self.name_key)
        return self._name_order


# The bits set in each byte value.
# The bits set in each byte value.
_BYTE_BITS = tuple(tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256))


def bit_numbers(bits: int) -> list[int]:
    """The document numbers in a bit set, in order."""
    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    return [index * 8 + bit for index, byte in enumerate(raw) if byte for bit in _BYTE_BITS[byte]]


def bits_from(docnums: Iterable[int]) -> int:
    """A Python int with bit n set for each document number n (built in a bytearray: no quadratic copying)."""
    buffer = bytearray()
    for docnum in docnums:
        byte = docnum >> 3
        if byte >= len(buffer):
            buffer.extend(bytes(max(byte - len(buffer) + 1, len(buffer))))
        buffer[byte] |= 1 << (docnum & 7)
    return int.from_bytes(buffer, "little")


def score_only(searcher, query: Query, matching: int) -> list[tuple[float, int]]:
    """Scores for just these documents: the matcher skips to each one instead of scoring every text match and
    filtering afterwards (a filter that leaves few documents otherwise costs as much as none)."""
    matcher = query.matcher(searcher, searcher.context())
    hits = []
    for docnum in bit_numbers(matching):
        if not matcher.is_active():
            break
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                break
        if matcher.id() == docnum:
            hits.append((matcher.score(), docnum))
    return hits


def best_field_scores(searcher, terms: list[Term], docs_of: Callable[[Term], int] | None = None) -> dict[int, float]:
    """{docnum: score} of a concept (any of `terms`, one per field): its best field's score plus TIEBREAK x the sum
    of the other fields' (Whoosh 2.7's DisjunctionMax drops the tie breaker). Each term's postings are read once:
    straight through for every match, or, with `docs_of`, skipping to just the documents it gives for the term (a
    bit set; those without the term are best left out)."""
    context = searcher.context()
    found: dict[int, list[float]] = {}
    for term in terms:
        if docs_of is None:
            matcher = term.matcher(searcher, context)
            while matcher.is_active():
                found.setdefault(matcher.id(), []).append(matcher.score())
                matcher.next()
        elif docs := docs_of(term):
            for score, docnum in score_only(searcher, term, docs):
                found.setdefault(docnum, []).append(score)
    out = {}
    for docnum, scores in found.items():
        best = max(scores)
        out[docnum] = best + TIEBREAK * (sum(scores) - best)
    return out
