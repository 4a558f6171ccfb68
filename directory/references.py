"""References people read out on the phone: PREFIX-XXXX-XXXX, from letters and digits that cannot be misread."""

import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I


def new_reference(prefix: str) -> str:
    """A random reference (about 40 bits); the caller's unique constraint decides if it is taken."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{code[:4]}-{code[4:]}"
