"""A per-client token bucket, in process: enough for one server, not for a cluster."""

import threading
import time
from collections import OrderedDict


class TokenBucket:
    """`rate` requests per minute per key, with bursts up to `rate`; 0 means unlimited."""

    def __init__(self, rate_per_minute: int, *, max_keys: int = 10_000) -> None:
        self.rate = rate_per_minute
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def take(self, key: str, now: float | None = None) -> float:
        """Take a token for the key: 0.0 if allowed, else the seconds until one is free."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        per_second = self.rate / 60.0
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.rate), now))
            tokens = min(float(self.rate), tokens + (now - last) * per_second)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / per_second
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        return wait
