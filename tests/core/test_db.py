"""core.db.insert_or_lock: the create path of every row a unique constraint guards (the races themselves are
in tests/test_double_submit.py, on PostgreSQL)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.db import insert_or_lock
from workforce.models import WorkforceReport

pytestmark = pytest.mark.django_db

FIGURES = {
    "total_employees": 10,
    "returned": 8,
    "on_duty": 6,
    "away_high": 0,
    "away_medium": 0,
    "away_low": 2,
    "in_quarantine": 0,
    "returned_today": 0,
    "returned_today_high": 0,
    "returned_today_medium": 0,
}


def _report(enterprise, user, **overrides):
    return WorkforceReport(
        enterprise=enterprise,
        day=dt.date(2020, 3, 9),
        submitted_by=user,
        submitted_at=timezone.now(),
        **{**FIGURES, **overrides},
    )


def test_inserts_a_new_row_and_finds_the_stored_one_the_second_time(enterprise_a, enterprise_user_a):
    with transaction.atomic():
        first, created = insert_or_lock(
            _report(enterprise_a, enterprise_user_a), enterprise=enterprise_a, day=dt.date(2020, 3, 9)
        )
    assert created and first.pk
    with transaction.atomic():
        again, created = insert_or_lock(
            _report(enterprise_a, enterprise_user_a, on_duty=1), enterprise=enterprise_a, day=dt.date(2020, 3, 9)
        )
    assert (created, again.pk, again.on_duty) == (False, first.pk, 6)
    assert WorkforceReport.objects.count() == 1


def test_a_row_refused_by_another_constraint_is_an_error_not_a_stored_row(enterprise_a, enterprise_user_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_or_lock(
            _report(enterprise_a, enterprise_user_a, on_duty=9), enterprise=enterprise_a, day=dt.date(2020, 3, 9)
        )
    assert not WorkforceReport.objects.exists()
