"""The figures go through the production cache (Redis) and come back the same."""

import os

import pytest
from django.core.cache import cache
from django.urls import reverse

from dashboard import selectors
from tests.dashboard.conftest import DAY
from tests.markers import redis_only

pytestmark = [pytest.mark.django_db, redis_only]


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "test-dashboard",
        }
    }
    cache.clear()
    yield
    cache.clear()


def test_the_city_figures_round_trip_through_redis(redis_cache, known, client, commander):
    computed = selectors.city_figures(DAY)
    assert selectors.city_figures(DAY) == computed  # read back: Decimals, dates and sets intact
    client.force_login(commander)
    assert "全市复工复产看板" in client.get(reverse("dashboard:city")).content.decode()
