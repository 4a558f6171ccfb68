"""Where a family lives: postcode -> district -> local authority, and "unknown" when a postcode straddles."""

from dataclasses import dataclass, field

from sqlmodel import Session, select

from directory.models import District, LocalAuthority, OutwardCode
from directory.postcodes import normalise_postcode, outward_code

FOUND = "found"
AMBIGUOUS = "ambiguous"  # the outward code spans several districts: ask which, never guess
NOT_COVERED = "not_covered"  # the outward code is in none of the directory's districts


@dataclass
class PostcodeLookup:
    postcode: str
    outward: str
    status: str
    districts: list[District] = field(default_factory=list)

    @property
    def district(self) -> District | None:
        return self.districts[0] if self.status == FOUND else None


def resolve_postcode(session: Session, raw: str) -> PostcodeLookup:
    """Raises PostcodeError for a malformed postcode."""
    postcode = normalise_postcode(raw)
    outward = outward_code(postcode)
    districts = list(
        session.exec(
            select(District)
            .join(OutwardCode, OutwardCode.district_id == District.id)
            .where(OutwardCode.code == outward)
            .order_by(District.name)
        )
    )
    if not districts:
        status = NOT_COVERED
    elif len(districts) == 1:
        status = FOUND
    else:
        status = AMBIGUOUS
    return PostcodeLookup(postcode, outward, status, districts)


def list_districts(session: Session) -> list[District]:
    return list(session.exec(select(District).order_by(District.name)))


def get_district(session: Session, slug: str) -> District | None:
    return session.exec(select(District).where(District.slug == slug)).first()


def local_authority_of(session: Session, district: District) -> LocalAuthority:
    return session.get(LocalAuthority, district.local_authority_id)


def list_local_authorities(session: Session) -> list[LocalAuthority]:
    return list(session.exec(select(LocalAuthority).order_by(LocalAuthority.name)))
