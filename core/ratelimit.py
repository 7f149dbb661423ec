"""Pages anyone can use without signing in are rate limited per client address (django-ratelimit).

The count lives in the cache (Redis in production, shared by every web process), keyed by the client
address as the login lockout reads it (axes through ipware, honouring TRUSTED_PROXY_COUNT; see
RATELIMIT_IP_META_KEY in settings). Past the limit the page answers 429 with templates/429.html.
"""

import logging
from collections.abc import Callable
from functools import wraps

import redis
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)

MSG_TOO_MANY_REQUESTS = _("您所在的网络在短时间内访问次数过多, 请稍后再试。")


def public_rate(request) -> str:
    return settings.PUBLIC_RATE_LIMIT


def limit_per_address(*, method: str, rate: Callable[..., str | None] = public_rate):
    """Limit a view's `method` requests per client address. `rate(request)` gives the limit ("30/m"), or None
    for a request that is not limited (then no cache is asked at all)."""

    def decorator(view):
        group = f"{view.__module__}.{view.__qualname__}"

        @wraps(view)
        def limited_view(request, *args, **kwargs):
            limit, usage = rate(request), None
            try:
                if limit is not None:
                    usage = get_usage(request, group=group, key="ip", rate=limit, method=method, increment=True)
            except (redis.RedisError, OSError):
                # The page stays up when the cache is down; the counting resumes with it.
                logger.warning("rate limit not counted: cache unavailable", exc_info=True)
            if usage is not None and usage["should_limit"]:
                response = render(request, "429.html", {"message": MSG_TOO_MANY_REQUESTS}, status=429)
                response["Retry-After"] = str(max(usage["time_left"], 1))
                return response
            return view(request, *args, **kwargs)

        return limited_view

    return decorator
