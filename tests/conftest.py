"""Shared fixtures. The reference data (industries, districts, authorities) is loaded once per run."""

import logging
from types import SimpleNamespace

import pytest

from core.dates import working_day_overrides_changed
from core.logging import RequestContextFilter
from kunshan_resume.celery import app as celery_app
from reference.models import District
from reference.services import divisions_load, industries_load, reference_load
from tests.factories import EnterpriseFactory, UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        industries_load()
        divisions_load()
        reference_load()


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Transactional tests empty every table when they end, so each one loads the reference data again."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        industries_load()
        divisions_load()
        reference_load()


@pytest.fixture(autouse=True)
def _working_day_overrides_read_afresh():
    """The overrides are cached between requests; a test's rows roll back, the cache would not."""
    working_day_overrides_changed()
    yield
    working_day_overrides_changed()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files of a test land in its own temporary folder, never in var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tests run tasks in-process; tests/core/test_celery_broker.py covers the real broker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _user_read_each_request(settings):
    """Query counts compare one request with another: each reads the signed-in user, as without the cache
    (tests/accounts/test_user_cache.py turns the cache on)."""
    settings.USER_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _without_rate_limits(settings):
    """Every test client comes from 127.0.0.1, so the per-address limits (core.ratelimit) would add up the
    requests of every test; tests/core/test_rate_limits.py turns them on, each test from its own address."""
    settings.RATELIMIT_ENABLE = False


@pytest.fixture(autouse=True)
def _without_redis(settings):
    """Pass checks and the revocation set read the database unless a test asks for the real Redis
    (tests/passes/test_verify_checklog.py's redis_store): a test's transaction never commits, so the
    revocation set in Redis would never hear of its changes."""
    from passes import revocations

    settings.REDIS_URL = ""
    revocations.client.cache_clear()
    yield
    revocations.client.cache_clear()


@pytest.fixture
def district_a(db):
    return District.objects.get(code="zhangpu")


@pytest.fixture
def district_b(db):
    return District.objects.get(code="kfq")


@pytest.fixture
def enterprise_a(district_a):
    return EnterpriseFactory(district=district_a, name="张浦甲企业")


@pytest.fixture
def enterprise_b(district_b):
    return EnterpriseFactory(district=district_b, name="开发区乙企业")


@pytest.fixture
def enterprise_user_a(enterprise_a):
    return UserFactory(enterprise_user=True, enterprise=enterprise_a)


@pytest.fixture
def enterprise_user_b(enterprise_b):
    return UserFactory(enterprise_user=True, enterprise=enterprise_b)


@pytest.fixture
def district_staff_a(district_a):
    return UserFactory(district_staff=True, district=district_a)


@pytest.fixture
def district_staff_b(district_b):
    return UserFactory(district_staff=True, district=district_b)


@pytest.fixture
def authority_staff(db):
    return UserFactory(authority_staff=True)


@pytest.fixture
def checkpoint_staff(db):
    return UserFactory(checkpoint_staff=True)


@pytest.fixture
def commander(db):
    return UserFactory(role="commander")


@pytest.fixture
def admin_user(db):
    return UserFactory(admin=True)


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []
        self.addFilter(RequestContextFilter())

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def log_records():
    """What a test logs, as the two destinations see it: `.personal_data` (the personal-data trail, its own file
    in production) and `.general` (everything that reaches the root logger)."""
    trail, general = _Records(), _Records()
    logging.getLogger("personal_data").addHandler(trail)
    logging.getLogger().addHandler(general)
    try:
        yield SimpleNamespace(personal_data=trail.records, general=general.records)
    finally:
        logging.getLogger("personal_data").removeHandler(trail)
        logging.getLogger().removeHandler(general)
