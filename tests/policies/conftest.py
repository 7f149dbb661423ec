import pytest

from policies.selectors import policy_figures_changed


@pytest.fixture(autouse=True)
def _policy_figures_afresh():
    """The figures are cached until an application changes; a test's rows roll back, the cache would not."""
    policy_figures_changed()
    yield
    policy_figures_changed()
