"""Hostile values an attacker types or sends, for the walk and the fuzz test: one list, and a Hypothesis strategy.

A value is a str, bytes (sent as they are, so not always valid UTF-8) or a list (sent as repeated fields).
"""

import uuid

from hypothesis import strategies as st

# Stored or echoed, these must always come back escaped: the walk looks for them unescaped in every page.
SCRIPT = '<script>window.hostileMarker=1</script>'
ATTRIBUTE = '"><img src=x onerror=hostileMarker()>'
UNESCAPED = (SCRIPT, ATTRIBUTE)

HOSTILE: list = [
    "\x00",
    "Sam\x00Jones",
    "1" * 30,                          # a 30-digit year, age or page number
    "9" * 5000,                        # more digits than int() will read
    "x" * 20_000,                      # longer than any field allows
    SCRIPT,
    ATTRIBUTE,
    "{{ 7*7 }}{% raw %}",              # template syntax
    "'; DROP TABLE user_account; --",
    "../../../../etc/passwd",
    "%00%2e%2e%2f",
    "",
    "   ",
    "\t\r\n",
    "\u202eevil\u200b\ufeff\u00a0",   # right-to-left override, zero-width space, byte-order mark, no-break space
    "ǅ𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🏳️‍🌈 ﷽",
    "٣²¼",                             # digits and numbers that are not ASCII digits
    "-1",
    "1e309",
    "NaN",
    b"\xed\xa0\x80",                   # a lone surrogate, as UTF-8 bytes
    b"\xff\xfe\xc0\x80",               # not UTF-8 at all (and an over-long NUL)
    str(uuid.UUID(int=0)),
    str(uuid.uuid4()),                 # a foreign id
    "0" * 32,                          # shaped like an idempotency key
    ["", "x"],                         # a blank item in a list
    ["", "", ""],
    ["1", "1", "1" * 30],              # day, month and a 30-digit year
    ["x"] * 60,
]


def text_values():
    """Hypothesis: any text, with the awkward characters made likely."""
    awkward = st.sampled_from(["\x00", "\u202e", "\u200b", "\ufeff", "<", ">", "\"", "'", "&", "%", "{", "}",
                               "\\", "/", "٣", "²", "\n", "\r", " "])
    return st.one_of(
        st.sampled_from([v for v in HOSTILE if isinstance(v, str)]),
        st.text(alphabet=st.one_of(st.characters(exclude_categories=("Cs",)), awkward), max_size=60),
        st.integers(min_value=-10**40, max_value=10**40).map(str),
        st.builds(lambda digits: "1" * digits, st.integers(min_value=5, max_value=40)),
    )


def values():
    """Hypothesis: one value for one field (text, raw bytes, or several values); the known hostile values often."""
    kinds = {"known": st.sampled_from(HOSTILE), "text": text_values(), "bytes": st.binary(max_size=20),
             "list": st.lists(text_values(), max_size=4)}
    return st.sampled_from(["known", "known", "text", "bytes", "list"]).flatmap(kinds.__getitem__)


def date_parts():
    """Hypothesis: the three boxes of a date: day, month and year, numbers of any length or anything else."""
    part = st.one_of(st.integers(min_value=-99, max_value=10**40).map(str), st.integers(0, 40).map(lambda n: "9" * n),
                     text_values())
    return st.one_of(st.lists(part, min_size=3, max_size=3), values())
