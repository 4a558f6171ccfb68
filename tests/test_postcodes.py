"""Postcode format, normalisation and resolution to a district."""

import pytest

from directory import places
from directory.postcodes import PostcodeError, normalise_postcode, normalise_postcode_or_outward_code, outward_code


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


@pytest.mark.parametrize(("raw", "expected"), [
    ("b79", "B79"), (" st16 ", "ST16"), ("SW1A", "SW1A"), ("b79 7bz", "B79 7BZ"), ("de141aa", "DE14 1AA"),
])
def test_an_outward_code_alone_will_do_where_only_the_area_matters(raw, expected):
    assert normalise_postcode_or_outward_code(raw) == expected


@pytest.mark.parametrize("raw", ["B79 7B", "B797", "12345", "B", "ST16-3NE", "<b>"])
def test_a_malformed_postcode_or_outward_code_gets_a_plain_message(raw):
    message = r"^Enter a real postcode, like B79 7BZ, or the first part of one, like B79$"
    with pytest.raises(PostcodeError, match=message):
        normalise_postcode_or_outward_code(raw)
    with pytest.raises(PostcodeError, match="Enter a postcode"):
        normalise_postcode_or_outward_code("  ")


def test_an_outward_code_resolves_like_its_postcodes(db_session):
    assert places.resolve_postcode(db_session, "b79").district.slug == "tamworth"
    b78 = places.resolve_postcode(db_session, "B78")
    assert (b78.postcode, b78.outward, b78.status) == ("B78", "B78", places.AMBIGUOUS)
    assert [d.slug for d in b78.districts] == ["lichfield", "tamworth"]
