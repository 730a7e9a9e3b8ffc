"""The attachment each agency user of the deadline-day benchmark uploads: shared by the Locust
users (which send it) and ``bench.deadline`` (which checks the stored copy), with no Django."""

import hashlib
import random

HEAD, TAIL = b"%PDF-1.4\n%bench\n", b"\n%%EOF\n"


def pdf_of(size: int, seed: int) -> bytes:
    """A PDF-looking document of ``size`` bytes, the same for the same seed."""
    rng = random.Random(seed)
    return HEAD + rng.randbytes(size - len(HEAD) - len(TAIL)) + TAIL


def expected_digest(seed: int, size: int) -> str:
    return hashlib.sha256(pdf_of(size, seed)).hexdigest()
