import pytest
from django.core.cache import cache

from supervision.selectors import FIGURES_CACHE_KEY


@pytest.fixture(autouse=True)
def _figures_computed_afresh():
    """The figures live in the cache a minute; a test's rows roll back, the cache would not."""
    cache.delete(FIGURES_CACHE_KEY)
    yield
    cache.delete(FIGURES_CACHE_KEY)
