import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _labour_figures_computed_afresh():
    """Pages read the labour figures through a one-minute cache; each test starts and ends without it."""
    cache.clear()
    yield
    cache.clear()
