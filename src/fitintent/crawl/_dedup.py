"""Near-duplicate pages: SimHash over word shingles, compared by Hamming distance.

Sites repeat themselves (print views, tag pages, the same post under two URLs); a page within a
few bits of one already kept is stored but yields no signal of its own.
"""

from __future__ import annotations

import hashlib

import numpy as np

_SHINGLE = 3


def simhash(text: str) -> int | None:
    words = text.lower().split()
    if len(words) < _SHINGLE:
        return None
    grams = {" ".join(words[i : i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)}
    digests = b"".join(hashlib.blake2b(g.encode(), digest_size=8).digest() for g in grams)
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(-1, 8), axis=1)
    votes = bits.sum(axis=0, dtype=np.int64) * 2 > len(grams)
    return int.from_bytes(np.packbits(votes).tobytes(), "big")


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def duplicate_of(h: int | None, kept: list[tuple[str, int]], bits: int) -> str | None:
    """The URL of a kept page within ``bits`` of ``h``, if any."""
    if h is None:
        return None
    for url, other in kept:
        if distance(h, other) <= bits:
            return url
    return None
