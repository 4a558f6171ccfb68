"""Postcode format, normalisation and resolution to a district."""

import pytest

from directory import places
from directory.postcodes import PostcodeError, normalise_postcode, outward_code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("b797bz", "B79 7BZ"),
        ("B79 7BZ", "B79 7BZ"),
        ("  st16   3ne ", "ST16 3NE"),
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("de14\t1aa", "DE14 1AA"),
    ],
)
def test_normalises_valid_postcodes(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["B79 7B", "12345", "ABC 123", "B79 7CZ", "BB79 7BZ1", "B797BZZ", "ST16-3NE", "<b>"])
def test_rejects_malformed_postcodes_with_a_plain_message(raw):
    with pytest.raises(PostcodeError, match="Enter a real postcode, like B79 7BZ"):
        normalise_postcode(raw)


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_asks_for_a_postcode_when_empty(raw):
    with pytest.raises(PostcodeError, match="Enter a postcode"):
        normalise_postcode(raw)


def test_outward_code():
    assert outward_code("b797bz") == "B79"
    assert outward_code("ST16") == "ST16"


def test_postcode_in_one_district_resolves_to_it(db_session):
    lookup = places.resolve_postcode(db_session, "b797bz")
    assert (lookup.postcode, lookup.outward, lookup.status) == ("B79 7BZ", "B79", places.FOUND)
    assert lookup.district.slug == "tamworth"
    assert places.local_authority_of(db_session, lookup.district).slug == "staffordshire"


def test_straddling_postcode_is_unknown_and_lists_every_district(db_session):
    lookup = places.resolve_postcode(db_session, "ST3 4AA")
    assert lookup.status == places.AMBIGUOUS
    assert lookup.district is None
    assert [d.slug for d in lookup.districts] == ["stafford", "staffordshire-moorlands", "stoke-on-trent"]


def test_postcode_outside_the_directory_is_not_covered(db_session):
    lookup = places.resolve_postcode(db_session, "SW1A 1AA")
    assert lookup.status == places.NOT_COVERED
    assert lookup.districts == []


def test_malformed_postcode_raises_before_any_lookup(db_session):
    with pytest.raises(PostcodeError):
        places.resolve_postcode(db_session, "not a postcode")
