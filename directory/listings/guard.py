"""Listings change only through directory.listings.writer: the application's sessions refuse to flush a change to
a listing's rows made anywhere else. (Test fixtures arranging data use sessions of their own.)"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlmodel import Session

from directory.models import (
    Accessibility,
    Address,
    Contact,
    CostOption,
    Language,
    Location,
    Organisation,
    Phone,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    ServiceRelation,
)

LISTING_MODELS = (Service, Organisation, Location, Address, Accessibility, ServiceArea, ServiceAttribute,
                  ServiceAtLocation, Phone, Contact, CostOption, Language, ServiceRelation)
# Set in the info of every session the application makes (directory.db).
GUARDED = "listings_guarded"
_writing: ContextVar[bool] = ContextVar("writing_listings", default=False)


class ListingWriteRefused(RuntimeError):
    """A listing's rows were changed outside the listing writer."""


@contextmanager
def writing() -> Iterator[None]:
    """The listing writer's own changes, allowed."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def _before_flush(session: Session, _context, _instances) -> None:
    if not session.info.get(GUARDED) or _writing.get():
        return
    changed = [obj for obj in (*session.new, *session.deleted) if isinstance(obj, LISTING_MODELS)]
    changed += [obj for obj in session.dirty if isinstance(obj, LISTING_MODELS) and session.is_modified(obj)]
    if changed:
        raise ListingWriteRefused(f"{type(changed[0]).__name__} rows change only through directory.listings.writer")


_registered = False


def register() -> None:
    global _registered
    if not _registered:
        event.listen(Session, "before_flush", _before_flush)
        _registered = True
