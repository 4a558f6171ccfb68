"""The SEND thesaurus as the search uses it: groups of phrases matched in a query's words and in listings' text,
and the categories and needs each group describes. Built from the database's thesaurus (or its seed file)."""

import functools
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from whoosh.lang import porter

from directory.search.words import CONTRACTIONS, FILLER, LEAVE_ALONE, STANCE_PHRASES

_WORD = re.compile(r"\w+", re.UNICODE)
_BUILT = itertools.count(1)
_APOSTROPHES = re.compile(r"['’‘`]")
_ABBREVIATION = re.compile(r"[A-Z]{2,6}")


def words(text: str) -> list[str]:
    """Lower-case words, punctuation dropped: the unit synonyms are matched on."""
    return _WORD.findall((text or "").lower())


def phrase_forms(phrase: str) -> list[tuple[str, ...]]:
    """The word sequences a phrase is matched as. An apostrophe splits a word ("won't" is "won" "t", as a search
    splits it), and the same phrase typed without one ("wont") is matched too; an abbreviation written in capitals
    ("EHCP") is also matched spelled with dots or spaces ("E.H.C.P.", "e h c p")."""
    forms = [tuple(words(phrase))]
    if _APOSTROPHES.search(phrase):
        forms.append(tuple(words(_APOSTROPHES.sub("", phrase))))
    if _ABBREVIATION.fullmatch(phrase.strip()):
        forms.append(tuple(phrase.strip().lower()))
    return [form for form in dict.fromkeys(forms) if form]


# The pieces an apostrophe leaves ("won't" is "won" "t"): with the filler words, they say nothing about a need.
_APOSTROPHE_PIECES = frozenset({"won", "don", "doesn", "didn", "can", "couldn", "isn", "wasn", "aren", "t", "s", "ll",
                                "ve", "re", "d", "m"})


# The scan's mark for a stance phrase, which asks for nothing.
_STANCE = -1
# A phrase found loosely in a query: at most this many other words between its meaning words ("scared to go to
# school" is "won't go to school"; "not been in school since easter, she won't even leave the house" is not
# "leaving school").
LOOSE_GAP = 4
_STANCE_LONGEST = max(len(phrase) for phrase in STANCE_PHRASES)

stem = functools.lru_cache(maxsize=65536)(porter.stem)


# Ways of saying "not" ("won't", "doesnt", "can't", "isn't"): one word for matching phrases, so "isn't walking
# yet" is "not walking yet", and "my son can't talk" is "doesn't talk". An apostrophe splits "won't" into "won" "t".
_NEGATIONS = frozenset(word for word in CONTRACTIONS if word.endswith("nt")) | {"cannot", "not"}
_NEGATED_PIECES = frozenset({word[:-1] for word in _NEGATIONS if word.endswith("nt")} | {"ca", "wo", "ai"}) - {""}


def negated(phrase_words) -> tuple[str, ...]:
    """The words with each way of saying "not" as "not"."""
    out, i = [], 0
    while i < len(phrase_words):
        word = phrase_words[i]
        if word in _NEGATED_PIECES and i + 1 < len(phrase_words) and phrase_words[i + 1] == "t":
            out.append("not")
            i += 2
            continue
        out.append("not" if word in _NEGATIONS else word)
        i += 1
    return tuple(out)


def content_stems(phrase_words: Iterable[str]) -> tuple[str, ...]:
    """The stems of the words that carry a phrase's meaning: "struggling with reading" is ("struggl", "read")."""
    return tuple(stem(word) for word in phrase_words if word not in FILLER and word not in _APOSTROPHE_PIECES)


def normal(phrase: str) -> str:
    """A phrase as compared with others: "Won't talk", "wont talk" and "won t  talk" are not the same phrase,
    but "Speech-language" and "speech language" are."""
    return " ".join(words(phrase))


def _group_parts(group) -> tuple[list[str], list[str], list[str]]:
    """(phrases, query-only phrases, category and need codes) of a group given as a list of phrases or a
    thesaurus entry."""
    if isinstance(group, Mapping):
        return (list(group.get("phrases", [])), list(group.get("query_only", [])),
                [*group.get("categories", []), *group.get("needs", [])])
    return list(group), [], []


class Synonyms:
    def __init__(self, groups: Iterable, query_only: Iterable[str] = ()):
        """`groups`: thesaurus entries ({"phrases", "query_only", "categories", "needs"}) or plain lists of
        phrases, in order (a group's token is its number). `query_only`: phrases, anywhere, never looked for in
        listings (the older file format kept them in one list)."""
        # Which thesaurus this is, within the process: what a search showed can be kept by it.
        self.number = next(_BUILT)
        # Understood in searches, not looked for in listings ("add" is ADD, and also a common verb).
        self._query_only = {negated(form) for phrase in query_only for form in phrase_forms(phrase)}
        self._groups: list[tuple[tuple[str, ...], ...]] = []
        self._by_phrase: dict[tuple[str, ...], int] = {}
        self._by_code: dict[str, set[int]] = {}
        self._words: set[str] = set()  # every word of every phrase, as written (never changed once built)
        for group in groups:
            phrases, only, codes = _group_parts(group)
            number = len(self._groups)
            typed = [form for phrase in [*phrases, *only] for form in phrase_forms(phrase)]
            self._words.update(word for form in typed for word in form)
            forms = tuple(dict.fromkeys(negated(form) for form in typed))
            for form in forms:
                self._by_phrase.setdefault(form, number)
            self._query_only.update(negated(form) for phrase in only for form in phrase_forms(phrase))
            for code in codes:
                self._by_code.setdefault(code, set()).add(number)
            self._groups.append(forms)
        self._longest = max((len(p) for p in self._by_phrase), default=1)
        # Another form of a one-word phrase, for a query only: "sleeps" is "sleep", "stammered" is "stammer". Only
        # for groups that describe a need or a service (mapped to a category or need: "waiting" is not "wait", the
        # waiting-list group), where the stem belongs to one group, for a typed word that is itself an inflected
        # form (a bare "care" is not "caring"), and never an everyday word ("down" is not "downs").
        by_stem: dict[str, set[int]] = {}
        described = {number for numbers in self._by_code.values() for number in numbers}
        for form, number in self._by_phrase.items():
            if len(form) == 1 and len(form[0]) > 3 and form[0].isalpha() and number in described:
                by_stem.setdefault(stem(form[0]), set()).add(number)
        self._by_stem = {word_stem: next(iter(numbers)) for word_stem, numbers in by_stem.items() if len(numbers) == 1}
        # Loose forms, for a query only: a phrase's meaning words, stemmed, in any order, with other words between
        # ("scared to go to school" holds "won't go to school"; "struggling to read" is "struggling with
        # reading"). A phrase needs two meaning words to be found loosely: one word alone would say more than the
        # family typed ("can't talk" is "talk"; "caring" stems to "care", "down's" to "down").
        # Of two readings with as many meaning words, the one whose phrase has them in the order typed ("I care for
        # my disabled son day and night" is caring for a disabled child, not day care), then the one whose phrase
        # says least beyond them: "someone for my son to talk to" is "someone to talk to" (a child's mental health),
        # not "someone to talk to about my child's needs" (advice), though "my child's needs" asks for nothing alone.
        self._loose: dict[str, list[tuple[frozenset[str], int]]] = {}
        self._loose_orders: dict[tuple[frozenset[str], int], set[tuple[str, ...]]] = {}
        self._loose_length: dict[tuple[frozenset[str], int], int] = {}
        for form, number in self._by_phrase.items():
            meaning = frozenset(content_stems(form))
            if len(meaning) >= 2:
                key = (meaning, number)
                if key not in self._loose_length:
                    for word_stem in meaning:
                        self._loose.setdefault(word_stem, []).append(key)
                self._loose_orders.setdefault(key, set()).add(tuple(dict.fromkeys(content_stems(form))))
                self._loose_length[key] = min(len(form), self._loose_length.get(key, len(form)))

    @classmethod
    def cached(cls, groups: list) -> "Synonyms":
        """The same as Synonyms(groups), built once for the same groups: every app and every thesaurus check with
        an unchanged thesaurus shares one (a Synonyms never changes once built)."""
        return _built(json.dumps(groups, sort_keys=True, ensure_ascii=False))

    @classmethod
    def from_file(cls, path: str | Path) -> "Synonyms":
        """From a thesaurus file (seed_data/thesaurus.json), or the older synonyms format."""
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(document["groups"], document.get("query_only", []))

    @property
    def vocabulary(self) -> set[str]:
        """Every word of every phrase, as written (read only)."""
        return self._words

    def is_phrase(self, phrase_words: list[str]) -> bool:
        """Whether these words, in order, are a phrase of a group."""
        return negated(phrase_words) in self._by_phrase

    def __len__(self) -> int:
        return len(self._groups)

    def name(self, group_token: str) -> str:
        """A group by its first phrase ("speech and language therapy" for syn0), which stays the same when other
        groups are added or taken away (its token's number does not)."""
        return " ".join(self._groups[int(group_token.removeprefix("syn"))][0])

    def _scan(self, text_words: list[str], stance: bool = False, listing: bool = False):
        """(group number or None, the words) for each stretch, longest synonym phrase first. With `stance` (a
        query), a phrase that only says how the asker feels (STANCE_PHRASES) is yielded as group _STANCE. With
        `listing`, phrases understood only in queries are not looked for: one never takes the words of a phrase a
        listing does say ("hospital admission", query-only, would hide "hospital" in "risk of hospital
        admission")."""
        i = 0
        while i < len(text_words):
            for size in range(min(max(self._longest, _STANCE_LONGEST), len(text_words) - i), 0, -1):
                phrase = tuple(text_words[i:i + size])
                if phrase in self._by_phrase and not (listing and phrase in self._query_only):
                    yield self._by_phrase[phrase], phrase
                    i += size
                    break
                if stance and phrase in STANCE_PHRASES:
                    yield _STANCE, phrase
                    i += size
                    break
            else:
                yield None, (text_words[i],)
                i += 1

    def concepts(self, query_words: list[str]) -> list[tuple[str | None, tuple[str, ...]]]:
        """Split a query into concepts: (the concept's token when it is a synonym group, the words typed).

        ["salt", "in", "leek"] -> [("syn0", ("salt",)), (None, ("in",)), (None, ("leek",))]
        """
        found = [item for item in self._scan(list(negated(self._spelled_out(query_words))), stance=True)
                 if item[0] != _STANCE]
        return [(None if group is None else token(group), phrase) for group, phrase in self._other_forms(
            self._loosely(found))]

    def _other_forms(self, found):
        """Words no phrase matched that are another form of a one-word phrase (see `_by_stem`), unless the query
        already has that group ("support groups for parents" asks for parents' support once)."""
        found = list(found)
        present = {group for group, _phrase in found if group is not None}
        for group, phrase in found:
            if group is None and len(phrase[0]) > 3 and phrase[0] not in LEAVE_ALONE:
                word_stem = stem(phrase[0])
                other = self._by_stem.get(word_stem) if word_stem != phrase[0] else None
                if other is not None and other not in present:
                    group = other
                    present.add(other)
            yield group, phrase

    def _spelled_out(self, query_words: list[str]) -> list[str]:
        """Letters typed one at a time ("C.A.M.H.S.", "send i a s s") read as the word they spell, when the
        thesaurus knows that word: a run of two or more single letters, joined."""
        out, i = [], 0
        while i < len(query_words):
            end = i
            while end < len(query_words) and len(query_words[end]) == 1 and query_words[end].isalpha():
                end += 1
            joined = "".join(query_words[i:end])
            if end - i >= 2 and (joined,) in self._by_phrase:
                out.append(joined)
                i = end
            else:
                out.append(query_words[i])
                i += 1
        return out

    def _loosely(self, found: list[tuple[int | None, tuple[str, ...]]]):
        """The exact scan's result with words no phrase matched exactly read loosely (see `_loose`): the phrase
        with the most meaning words first, then the one whose words start earlier; a group takes the place of the
        first word it uses, and the others."""
        free = {i: stem(phrase[0]) for i, (group, phrase) in enumerate(found) if group is None}
        groups: dict[int, tuple[int, list[int]]] = {}

        def near(meaning: frozenset[str]) -> list[int] | None:
            """The words of the query that say the phrase's meaning words, the closest together (the first such
            stretch), or None when they are further apart than LOOSE_GAP other words."""
            at = sorted(i for i, word_stem in free.items() if word_stem in meaning)
            best_span = None
            for start in range(len(at)):
                for end in range(start + len(meaning) - 1, len(at)):
                    if {free[i] for i in at[start:end + 1]} >= meaning:
                        if best_span is None or at[end] - at[start] < best_span[1] - best_span[0]:
                            best_span = (at[start], at[end])
                        break
            if best_span is None or best_span[1] - best_span[0] + 1 > len(meaning) + LOOSE_GAP:
                return None
            return [i for i in at if best_span[0] <= i <= best_span[1]]

        while True:
            stems = set(free.values())
            candidates = {(meaning, number): words_at for word_stem in stems
                          for meaning, number in self._loose.get(word_stem, ())
                          if meaning <= stems and (words_at := near(meaning)) is not None}
            # Of two with as many words, the one in the order typed, then the shorter phrase (see `_loose_orders`),
            # then the one whose words start earlier in the query; never the order of a set (which changes from one
            # process to the next: two servers would read a query two ways).
            best = max(candidates, key=lambda item: (
                len(item[0]), tuple(dict.fromkeys(free[i] for i in candidates[item])) in self._loose_orders[item],
                -self._loose_length[item], -item[1], -candidates[item][0], sorted(item[0])), default=None)
            if best is None:
                break
            used = candidates[best]
            groups[used[0]] = (best[1], used)
            for i in used:
                del free[i]
        consumed = {i for _group, used in groups.values() for i in used}
        for i, (group, phrase) in enumerate(found):
            if i in groups:
                number, used = groups[i]
                yield number, tuple(found[j][1][0] for j in used)
            elif i not in consumed:
                yield group, phrase

    def tokens_in(self, text: str) -> list[str]:
        """The synonym groups a text mentions, as tokens to index: a document saying "speech and language
        therapy" gets the same token as a search for "SALT", so synonyms cost one term lookup."""
        return sorted({token(group) for group, _phrase in self._scan(list(negated(words(text))), listing=True)
                       if group is not None})

    def tokens_for_codes(self, codes: Iterable[str]) -> list[str]:
        """The tokens of the groups mapped to any of these category or need codes: a service in the speech and
        language therapy category gets the token of "doesn't talk", whatever its listing says."""
        return sorted({token(group) for code in codes for group in self._by_code.get(code, ())})


@functools.lru_cache(maxsize=4)
def _built(groups_json: str) -> Synonyms:
    return Synonyms(json.loads(groups_json))


def token(group: int) -> str:
    return f"syn{group}"
