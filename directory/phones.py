"""UK phone numbers as people type them ("01283 500500", "+44 (0)7700 900123"), checked and written one way."""

import re

SEPARATORS = re.compile(r"[\s\-().]")
# After the leading 0: geographic (1, 2), non-geographic (3, 8: 0300, 0800) and mobile (7) numbers.
NATIONAL = re.compile(r"0[12378]\d{8,9}")


class PhoneError(ValueError):
    """Not a UK phone number; the message is fit to show."""


MESSAGE = "Enter a UK phone number, like 01632 960001 or 07700 900982"


def normalise_uk_phone(text: str) -> str:
    """The number written the usual way ("020 7946 0000", "0113 496 0000", "01283 500500", "07700 900123"), or
    PhoneError."""
    digits = SEPARATORS.sub("", text or "")
    if digits.startswith("+44"):
        digits = "0" + digits[3:].removeprefix("0")
    elif digits.startswith("0044"):
        digits = "0" + digits[4:].removeprefix("0")
    # Only some 01 numbers have 9 digits after the 0; every other number has 10.
    if not digits.isascii() or not NATIONAL.fullmatch(digits) or (len(digits) == 10 and digits[1] != "1"):
        raise PhoneError(MESSAGE)
    if len(digits) == 10:
        return f"{digits[:5]} {digits[5:]}"
    if digits.startswith("02"):
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if digits[:2] in ("03", "08") or (digits.startswith("01") and "1" in (digits[2], digits[3])):
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    return f"{digits[:5]} {digits[5:]}"
