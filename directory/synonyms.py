"""SEND synonyms and abbreviations, read from a data file a council can extend, matched in a query's words."""

import json
import re
from pathlib import Path

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-case words, punctuation dropped: the unit synonyms are matched on."""
    return _WORD.findall((text or "").lower())


class Synonyms:
    def __init__(self, groups: list[list[str]]):
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
        return cls(document["groups"])

    @property
    def vocabulary(self) -> set[str]:
        return {word for phrase in self._by_phrase for word in phrase}

    def concepts(self, query_words: list[str]) -> list[tuple[tuple[str, ...], ...]]:
        """Split the words into concepts, longest synonym phrase first; each concept lists its alternatives.

        ["salt", "leek"] -> [(("salt",), ("speech", "and", "language", "therapy"), ...), (("leek",),)]
        """
        concepts, i = [], 0
        while i < len(query_words):
            for size in range(min(self._longest, len(query_words) - i), 0, -1):
                phrase = tuple(query_words[i:i + size])
                if phrase in self._by_phrase:
                    group = self._groups[self._by_phrase[phrase]]
                    concepts.append((phrase, *(p for p in group if p != phrase)))
                    i += size
                    break
            else:
                concepts.append(((query_words[i],),))
                i += 1
        return concepts
