"""Search filters that may be personal (a name, an email address, a family's reference) never go in an address:
the form is posted, the filters are kept in the server-side session under the page's own key, and the page, its
other pages and its download read them from there."""

from flask import session
from werkzeug.datastructures import MultiDict

# Enough for any filter, not enough to fill the session.
MAX_LENGTH, MAX_VALUES = 400, 3


def keep(key: str, posted: MultiDict, names: tuple[str, ...]) -> None:
    """Keep the posted filters as typed (the page checks them and shows any errors); only the named fields."""
    session[key] = {name: [value[:MAX_LENGTH] for value in posted.getlist(name)][:MAX_VALUES] for name in names
                    if any(value.strip() for value in posted.getlist(name))}


def kept(key: str, names: tuple[str, ...]) -> MultiDict:
    """The filters last posted in this session, as form data."""
    stored = session.get(key) or {}
    return MultiDict([(name, value) for name in names for value in stored.get(name, [])])


def forget(key: str) -> None:
    session.pop(key, None)
