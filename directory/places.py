"""Where a family lives: postcode -> district -> local authority, and "unknown" when a postcode straddles."""

from dataclasses import dataclass, field

from sqlmodel import Session, select

from directory.models import District, LocalAuthority, OutwardCode
from directory.postcodes import normalise_postcode_or_outward_code, outward_code

FOUND = "found"
AMBIGUOUS = "ambiguous"  # the outward code spans several districts: ask which, never guess
NOT_COVERED = "not_covered"  # the outward code is in none of the directory's districts


@dataclass
class PostcodeLookup:
    postcode: str  # as normalised: "B79 7BZ", or "B79" when only the outward code was given
    outward: str
    status: str
    districts: list[District] = field(default_factory=list)

    @property
    def district(self) -> District | None:
        return self.districts[0] if self.status == FOUND else None


def resolve_postcode(session: Session, raw: str) -> PostcodeLookup:
    """A full postcode or an outward code alone ("B78"); raises PostcodeError for anything else."""
    postcode = normalise_postcode_or_outward_code(raw)
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
