"""Per-user, per-endpoint throttling (scope = the view's `throttle_scope`).

Rates come from settings.MOBILE_API_THROTTLE_RATES at request time (so tests and the benchmark
can change them); counters live in the `mobile_api_throttle` cache (Redis when configured, so all
ASGI workers share them). Authenticated requests are keyed by user id; the login endpoint by
client IP + submitted username, never by IP alone (many phones share a carrier NAT address).
With the counters' Redis unreachable the throttle lets requests through and logs: an outage of
the cache must not turn every write into a 500 (login stays guarded by django-axes, which keeps
its counts in PostgreSQL).
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import caches
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class UserEndpointThrottle(SimpleRateThrottle):
    cache_format = "mobile:%(scope)s:%(ident)s"

    def __init__(self):
        # The scope is only known once the view is (see allow_request).
        self.cache = caches["mobile_api_throttle"]

    def get_rate(self):
        return settings.MOBILE_API_THROTTLE_RATES.get(self.scope or "")

    def allow_request(self, request, view):
        self.scope = getattr(view, "throttle_scope", None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):
            logger.warning("throttle counters unavailable: %s let through", self.scope)
            return True

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            ident = f"ip{self.get_ident(request)}"
            username = request.data.get("username") if isinstance(request.data, dict) else None
            if isinstance(username, str):
                # surrogatepass: any JSON string hashes, a lone surrogate included (the
                # serializer refuses it afterwards with a field error).
                raw = username.encode("utf-8", "surrogatepass")
                ident += ":" + hashlib.sha256(raw).hexdigest()[:16]
        return self.cache_format % {"scope": self.scope, "ident": ident}
