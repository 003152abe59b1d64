"""Injected faults (POST /_emulator/faults) and the 503 "heavy load" switch."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass
class Faults:
    error_rate: float = 0.0
    statuses: list[int] = field(default_factory=lambda: [429, 500, 503])
    latency_ms: int = 0
    seed: int | None = None
    unavailable_count: int = 0          # next N API calls answer 503 (-1: until cleared)
    unavailable_retry_after: int = 1
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, body: dict[str, object]) -> None:
        with self._lock:
            self.error_rate = float(body.get("error_rate", 0.0))  # type: ignore[arg-type]
            self.statuses = [int(s) for s in body.get("statuses", [429, 500, 503])]  # type: ignore[attr-defined]
            self.latency_ms = int(body.get("latency_ms", 0))  # type: ignore[call-overload]
            seed = body.get("seed")
            self.seed = int(seed) if seed is not None else None  # type: ignore[call-overload]
            self._rng = random.Random(self.seed)

    def draw(self) -> int | None:
        """The status to inject for this call, or None."""
        with self._lock:
            if self.unavailable_count:
                if self.unavailable_count > 0:
                    self.unavailable_count -= 1
                return 503
            if self.error_rate > 0 and self._rng.random() < self.error_rate:
                return self._rng.choice(self.statuses)
        return None

    def as_dict(self) -> dict[str, object]:
        return {"error_rate": self.error_rate, "statuses": self.statuses, "latency_ms": self.latency_ms,
                "seed": self.seed, "unavailable_count": self.unavailable_count,
                "unavailable_retry_after": self.unavailable_retry_after}
