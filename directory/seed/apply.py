"""Write checked seed data into the database: places and taxonomies here, listings through the one listing
writer (directory.listings.writer), which keeps each listing's history."""

from sqlmodel import Session

from directory import thesaurus
from directory.listings import revision
from directory.listings import writer as listings
from directory.listings.rows import RowWriter, SeedReport
from directory.seed.files import SeedData

__all__ = ["SeedReport", "apply_seed", "apply_services"]


def apply_seed(session: Session, data: SeedData, replace_thesaurus: bool = False) -> SeedReport:
    """Bring the database in line with the seed; the caller commits or rolls back. The thesaurus is written only
    into an empty table, or over admins' edits when `replace_thesaurus`."""
    report = SeedReport()
    rows = RowWriter(session, report)
    rows.places(data.places)
    rows.taxonomies(data.taxonomies)
    session.flush()
    if report.changes:  # places or taxonomies changed: caches of them follow the revision too
        revision.bump(session)
    listings.apply_services(session, data.services, source="seed", report=report)
    thesaurus.seed_groups(session, thesaurus.read_groups(data.thesaurus), report, replace=replace_thesaurus)
    return report


def apply_services(session: Session, document: dict, source: str = "import") -> SeedReport:
    """Import a checked services file into a database that already has its places and taxonomies."""
    report = SeedReport()
    listings.apply_services(session, document, source=source, report=report)
    return report
