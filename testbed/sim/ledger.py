"""Where every message ends: delivered (on time or late), lost (with the reason) or in flight.

Counting is per consumer and machine, because a message that fans out to three consumers is
three deliveries. Creation is counted once per message at its origin and multiplied out to the
consumers downstream at the end, so the hot path pays one increment per message.
"""

from __future__ import annotations

from collections import Counter
from typing import Protocol


class HasDownstream(Protocol):
    # down[m]: indices of the consumers that the element feeds with machine m's data
    down: list[list[int]]


class Ledger:
    def __init__(self, consumer_masks: list[int], machines: int) -> None:
        self.masks = consumer_masks
        self.lost = [[0] * machines for _ in consumer_masks]
        self.reasons: Counter[str] = Counter()

    def lose(self, where: HasDownstream, msg: tuple[float, int, int], reason: str) -> None:
        m, kind = msg[1], msg[2]
        masks = self.masks
        for c in where.down[m]:
            if masks[c] >> kind & 1:
                self.lost[c][m] += 1
                self.reasons[reason] += 1
