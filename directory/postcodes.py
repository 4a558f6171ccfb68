"""UK postcode format: check it, normalise it ("b797bz" -> "B79 7BZ") and take its outward code.

Where only the area matters (the checker, search, finding help by area) an outward code alone ("B79") will do;
a family record's address still needs the full postcode.
"""

import re

# Outward code: area letters, district digit(s) and an optional letter; inward: digit and two letters.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$")
_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


class PostcodeError(ValueError):
    """A postcode that is not in the UK format; the message is fit to show to the person who typed it."""


def normalise_postcode(raw: str) -> str:
    """The postcode in capitals with one space before the inward code, or PostcodeError."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    if not compact:
        raise PostcodeError("Enter a postcode")
    match = _POSTCODE.match(compact)
    if not match:
        raise PostcodeError("Enter a real postcode, like B79 7BZ")
    return f"{match.group(1)} {match.group(2)}"


def normalise_postcode_or_outward_code(raw: str) -> str:
    """A full postcode as normalise_postcode gives it, or an outward code alone ("st16" -> "ST16")."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    if _OUTWARD.match(compact):
        return compact
    if not compact:
        raise PostcodeError("Enter a postcode")
    try:
        return normalise_postcode(compact)
    except PostcodeError:
        raise PostcodeError("Enter a real postcode, like B79 7BZ, or the first part of one, like B79") from None


def outward_code(postcode: str) -> str:
    """The part before the space: "B79 7BZ" -> "B79". Accepts a full postcode or an outward code alone."""
    compact = re.sub(r"\s+", "", postcode or "").upper()
    if _OUTWARD.match(compact):
        return compact
    return normalise_postcode(compact).split(" ")[0]
