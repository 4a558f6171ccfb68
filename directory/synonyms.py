"""SEND synonyms and abbreviations, read from a data file a council can extend, matched in a query's words."""

import json
import re
from pathlib import Path

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-case words, punctuation dropped: the unit synonyms are matched on."""
    return _WORD.findall((text or "").lower())


class Synonyms:
    def __init__(self, groups: list[list[str]], query_only: list[str] = ()):
        # Understood in searches, not looked for in listings ("add" is ADD, and also a common verb).
        self._query_only = {tuple(words(phrase)) for phrase in query_only}
        self._groups: list[tuple[tuple[str, ...], ...]] = []
        self._by_phrase: dict[tuple[str, ...], int] = {}
        for group in groups:
            phrases = tuple(dict.fromkeys(tuple(words(phrase)) for phrase in group if words(phrase)))
            for phrase in phrases:
                self._by_phrase.setdefault(phrase, len(self._groups))
            self._groups.append(phrases)
        self._longest = max((len(p) for p in self._by_phrase), default=1)

    @classmethod
    def from_file(cls, path: str | Path) -> "Synonyms":
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(document["groups"], document.get("query_only", []))

    @property
    def vocabulary(self) -> set[str]:
        return {word for phrase in self._by_phrase for word in phrase}

    def _scan(self, text_words: list[str]):
        """(group number or None, the words) for each stretch, longest synonym phrase first."""
        i = 0
        while i < len(text_words):
            for size in range(min(self._longest, len(text_words) - i), 0, -1):
                phrase = tuple(text_words[i:i + size])
                if phrase in self._by_phrase:
                    yield self._by_phrase[phrase], phrase
                    i += size
                    break
            else:
                yield None, (text_words[i],)
                i += 1

    def concepts(self, query_words: list[str]) -> list[tuple[str | None, tuple[str, ...]]]:
        """Split a query into concepts: (the concept's token when it is a synonym group, the words typed).

        ["salt", "in", "leek"] -> [("syn0", ("salt",)), (None, ("in",)), (None, ("leek",))]
        """
        return [(None if group is None else token(group), phrase) for group, phrase in self._scan(query_words)]

    def tokens_in(self, text: str) -> list[str]:
        """The synonym groups a text mentions, as tokens to index: a document saying "speech and language
        therapy" gets the same token as a search for "SALT", so synonyms cost one term lookup."""
        return sorted({token(group) for group, phrase in self._scan(words(text))
                       if group is not None and phrase not in self._query_only})


def token(group: int) -> str:
    return f"syn{group}"
