"""One search of the directory as a person makes it: the words they typed in, the services found out. The search
page and the search-quality command both call `find`, so what is measured is what families get.

Reading a place out of the words (a town, a district, a partial postcode) and saying when filters hid matches
belong here: they need the database, which the index does not know."""

from dataclasses import dataclass, field

from sqlmodel import Session

from directory.search import SearchIndex, SearchRequest, SearchResults


@dataclass
class Found:
    results: SearchResults
    # The words searched for (the place, when one was read out of them, taken away).
    text: str
    # The district slugs read from the words, and the name said back ("Tamworth"); empty when none.
    place_districts: list[str] = field(default_factory=list)
    place_name: str | None = None


def find(session: Session, index: SearchIndex, request: SearchRequest) -> Found:
    return Found(index.search(request), request.text)
