"""The Redis cache backend reuses its client instead of building one per call."""

import os

import pytest

from core.cache import RedisCache
from tests.markers import redis_only

URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")


def test_every_call_gets_the_same_client_for_a_server():
    cache = RedisCache(URL, {})
    reads, writes = cache._cache.get_client("a"), cache._cache.get_client("b", write=True)
    assert reads is writes is cache._cache.get_client("c")


def test_a_second_server_gets_its_own_client():
    cache = RedisCache(f"{URL},{URL}", {})
    assert cache._cache.get_client("a", write=True) is not cache._cache.get_client("a")


@redis_only
@pytest.mark.parametrize("value", ["文本", {"a": [1, 2]}, 0])
def test_values_round_trip_through_redis(value):
    cache = RedisCache(URL, {"KEY_PREFIX": "test-core-cache"})
    cache.set("k", value, 30)
    assert cache.get("k") == value
    cache.delete("k")
    assert cache.get("k", "gone") == "gone"
