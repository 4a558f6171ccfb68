"""Spelling help's pieces that need no index: letters swapped, words run together, and Whoosh's word-list
corrector without its read past the end. Used by directory.search.index."""

from bisect import bisect_left

from whoosh.spelling import ListCorrector


def swaps(word: str) -> list[str]:
    """The word with each pair of neighbouring letters swapped."""
    return [word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1) if word[i] != word[i + 1]]


class WordListCorrector(ListCorrector):
    """Whoosh's ListCorrector, whose Skipper reads past the end of its list (an IndexError, so a 500, for a word
    after the last one, or with an empty thesaurus)."""

    class Skipper(ListCorrector.Skipper):
        def __call__(self, w):
            if self.i < len(self.data) and self.data[self.i] == w:
                return w
            self.i += 1
            pos = bisect_left(self.data, w, min(self.i, len(self.data)))
            return self.data[pos] if pos < len(self.data) else None


# The short words that may join two others typed as one ("speech and language" as "speechandlanguage").
_JOINING = frozenset({"and", "of", "to", "for", "in", "with", "a"})


def splits(word: str) -> list[tuple[str, str]]:
    """The word cut in two, each part at least three letters: "shortbreaks" is tried as "short" "breaks"."""
    return [(word[:i], word[i:]) for i in range(3, len(word) - 2)]


def three_way_splits(word: str) -> list[tuple[str, str, str]]:
    """The word cut in three around a short joining word: "speechandlanguage" is "speech" "and" "language"."""
    return [(word[:i], word[i:j], word[j:]) for i in range(3, len(word) - 4)
            for j in range(i + 1, min(i + 4, len(word) - 2)) if word[i:j] in _JOINING]
