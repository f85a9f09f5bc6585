"""Seeds derived, never drawn: every stochastic element and every generated document takes its
own stream, made by hashing a parent seed with names.

Streams never come from global state, so a run is reproducible from (scenario, seed) on any
executor, and the same machine breaks down at the same moments under every architecture (common
random numbers, which sharpen comparisons).
"""

from __future__ import annotations

import hashlib
import random

__all__ = ["derive_seed", "stream"]


def derive_seed(seed: int, *names: object) -> int:
    """A 63-bit seed derived from ``seed`` and names: valid as a scenario's own seed too."""
    text = ":".join([str(seed), *map(str, names)]).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") >> 1


def stream(seed: int, *names: object) -> random.Random:
    return random.Random(derive_seed(seed, *names))
