"""The check log page, and the two stores behind verification: the check queue and the revocation set,
with Redis (queued, flushed once; the set rebuilt when Redis lost it) and without (the database at once)."""

import io
import json
import os
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from passes import checklog, revocations
from passes.models import CheckTally, PassCheck
from passes.services import return_passes as services
from passes.tallies import pass_tallies_rebuild
from passes.tasks import flush_pass_checks, purge_pass_checks, rebuild_revocations
from reference.models import Community
from tests.factories import UserFactory
from tests.markers import redis_only
from tests.passes.factories import issued_pass

pytestmark = pytest.mark.django_db

NOON = datetime(2020, 3, 2, 12, 0)  # Kunshan time, see _at


def _at(hour: int, minute: int = 0, day_offset: int = 0) -> datetime:
    return timezone.make_aware(NOON.replace(hour=hour, minute=minute) + timedelta(days=day_offset))


def _clear_passes_keys(r) -> None:
    keys = list(r.scan_iter("passes:*"))
    if keys:
        r.delete(*keys)


@pytest.fixture
def redis_store(settings, _without_redis):
    """The real Redis named by REDIS_URL (db 5 for this area when run locally), emptied of our keys."""
    settings.REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")
    revocations.client.cache_clear()
    r = revocations.client()
    _clear_passes_keys(r)
    yield r
    _clear_passes_keys(r)


def _day_counts() -> dict:
    """The checks per day and community the dashboards read, which must equal a recount of the log."""
    counts = {(c.day, c.community_id): c.checks for c in CheckTally.objects.all() if c.checks}
    pass_tallies_rebuild()
    assert {(c.day, c.community_id): c.checks for c in CheckTally.objects.all()} == counts
    return counts


@pytest.fixture
def valid_pass(enterprise_user_a, district_staff_a):
    return issued_pass(enterprise_user_a, district_staff_a)


def _community(code: str) -> Community:
    return Community.objects.get(code=code)


def _check(result="valid", *, at, community="zhangpu-demo-1", by=None, number="KS00000001") -> PassCheck:
    return PassCheck.objects.create(
        result=result,
        checked_at=at,
        community=_community(community) if community else None,
        checked_by=by,
        pass_number=number,
    )


# --- the check log page ----------------------------------------------------------------------------


def test_checkpoint_staff_see_their_community_and_district_staff_their_district(
    client, checkpoint_staff, district_staff_a, district_staff_b
):
    with time_machine.travel(_at(15), tick=False):
        _check(at=_at(9), number="KSMINE0001", by=checkpoint_staff)
        _check(at=_at(9), community="zhangpu-demo-2", number="KSNEIGHBOR")
        _check(at=_at(9), community="kfq-demo-1", number="KSKFQ00001")
        _check(at=_at(9), community=None, number="KSANON0001")
        seen = {}
        for user in (checkpoint_staff, district_staff_a, district_staff_b):
            client.force_login(user)
            html = client.get(reverse("passes:checks")).content.decode()
            seen[user.pk] = {n for n in ("KSMINE0001", "KSNEIGHBOR", "KSKFQ00001", "KSANON0001") if n in html}
    assert seen[checkpoint_staff.pk] == {"KSMINE0001"}
    assert seen[district_staff_a.pk] == {"KSMINE0001", "KSNEIGHBOR"}
    assert seen[district_staff_b.pk] == {"KSKFQ00001"}


def test_the_log_is_for_checkpoint_and_district_staff_only(client, enterprise_user_a, authority_staff):
    assert client.get(reverse("passes:checks")).status_code == 302
    for user in (enterprise_user_a, authority_staff):
        client.force_login(user)
        assert client.get(reverse("passes:checks")).status_code == 403


def test_the_log_counts_today_by_result_and_by_hour(client, checkpoint_staff):
    with time_machine.travel(_at(15), tick=False):
        for hour, minute, result in [
            (7, 5, "valid"),
            (7, 50, "valid"),
            (7, 59, "revoked"),
            (8, 0, "expired"),
            (14, 30, "invalid"),
            (0, 10, "suspended"),
        ]:
            _check(result, at=_at(hour, minute), by=checkpoint_staff)
        _check("valid", at=_at(23, 59, day_offset=-1))  # yesterday, local time
        client.force_login(checkpoint_staff)
        response = client.get(reverse("passes:checks"))
    counts = response.context["counts"]
    assert counts.total == 6
    assert {value: n for value, _label, n in counts.by_result} == {
        "valid": 2,
        "expired": 1,
        "revoked": 1,
        "suspended": 1,
        "invalid": 1,
    }
    assert response.context["busy_hours"] == [(0, 1), (7, 3), (8, 1), (14, 1)]
    html = response.content.decode()
    assert 'data-testid="count-total">6<' in html and 'data-testid="count-valid">2<' in html
    assert "07:00–07:59" in html and 'value="3"' in html


def test_the_log_filters_by_result(client, checkpoint_staff):
    with time_machine.travel(_at(15), tick=False):
        _check("valid", at=_at(9), number="KSVALID001")
        _check("revoked", at=_at(9), number="KSREVOKED1")
        client.force_login(checkpoint_staff)
        html = client.get(reverse("passes:checks"), {"result": "revoked"}).content.decode()
        unknown = client.get(reverse("passes:checks"), {"result": "nonsense"})
    assert "KSREVOKED1" in html and "KSVALID001" not in html
    assert unknown.status_code == 200 and unknown.context["result"] == ""


def test_the_log_pages_through_a_busy_day_newest_first(client, checkpoint_staff):
    with time_machine.travel(_at(15), tick=False):
        PassCheck.objects.bulk_create(
            [
                PassCheck(
                    result="valid",
                    checked_at=_at(8) + timedelta(seconds=i),
                    community=checkpoint_staff.community,
                    pass_number=f"KS{i:08d}",
                )
                for i in range(60)
            ]
        )
        client.force_login(checkpoint_staff)
        first = client.get(reverse("passes:checks"))
        second = client.get(reverse("passes:checks"), {"page": 2})
    assert [c.pass_number for c in first.context["page"]][:2] == ["KS00000059", "KS00000058"]
    assert len(first.context["page"]) == 50 and len(second.context["page"]) == 10


@pytest.mark.parametrize("rows", [5, 50])
def test_the_log_runs_the_same_queries_whatever_the_volume(
    client, checkpoint_staff, rows, django_assert_max_num_queries
):
    staff = [checkpoint_staff, UserFactory(checkpoint_staff=True)]
    with time_machine.travel(_at(15), tick=False):
        PassCheck.objects.bulk_create(
            [
                PassCheck(
                    result="valid",
                    checked_at=_at(8 + i % 6),
                    community=checkpoint_staff.community,
                    checked_by=staff[i % 2],
                    pass_number=f"KS{i:08d}",
                )
                for i in range(rows)
            ]
        )
        client.force_login(checkpoint_staff)
        # session, user, notifications badge, page count, page rows, counts by result, counts by hour
        with django_assert_max_num_queries(7):
            assert client.get(reverse("passes:checks")).status_code == 200


# --- the check queue -------------------------------------------------------------------------------


def test_without_redis_a_check_is_written_at_once(valid_pass, checkpoint_staff):
    services.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff)
    assert PassCheck.objects.filter(pass_number=valid_pass.number, checked_by=checkpoint_staff).count() == 1
    assert checklog.flush() == 0 and checklog.pending() == 0
    assert _day_counts() == {(timezone.localdate(), checkpoint_staff.community_id): 1}  # what the dashboards read


@redis_only
def test_with_redis_checks_are_queued_then_flushed_exactly_once(redis_store, valid_pass, checkpoint_staff):
    for _ in range(3):
        services.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff)
    services.return_pass_verify(token="garbage")
    assert checklog.pending() == 4 and not PassCheck.objects.exists()

    assert flush_pass_checks.delay().get() == 4
    assert flush_pass_checks.delay().get() == 0  # the beat's next run finds nothing
    checks = list(PassCheck.objects.order_by("result", "pk"))
    assert [c.result for c in checks] == ["invalid", "valid", "valid", "valid"]
    assert {(c.checked_by_id, c.community_id) for c in checks if c.result == "valid"} == {
        (checkpoint_staff.pk, checkpoint_staff.community_id)
    }
    assert all(timezone.now() - c.checked_at < timedelta(minutes=1) for c in checks)
    # Counted for the dashboards as stored: the three at the checkpoint; the scan without one counts nowhere.
    assert _day_counts() == {(timezone.localdate(), checkpoint_staff.community_id): 3}


@redis_only
def test_a_batch_delivered_twice_is_stored_once(redis_store, valid_pass, checkpoint_staff):
    """A flush that died after its insert, before trimming the queue: the next one writes nothing new."""
    services.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff)
    (raw,) = redis_store.lrange(checklog.QUEUE_KEY, 0, -1)
    checklog.flush()
    redis_store.rpush(checklog.QUEUE_KEY, raw)
    assert checklog.flush() == 1
    assert PassCheck.objects.count() == 1
    assert str(PassCheck.objects.get().check_id).replace("-", "") == json.loads(raw)[0]
    assert _day_counts() == {(timezone.localdate(), checkpoint_staff.community_id): 1}  # counted once too


@redis_only
def test_a_flush_while_another_runs_leaves_the_queue_alone(redis_store, valid_pass, checkpoint_staff):
    services.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff)
    other = redis_store.lock(checklog.FLUSH_LOCK_KEY, timeout=30)
    assert other.acquire(blocking=False)
    try:
        assert checklog.flush() == 0
        assert checklog.pending() == 1
    finally:
        other.release()
    assert checklog.flush() == 1 and PassCheck.objects.count() == 1


@redis_only
def test_large_queues_are_flushed_in_batches(redis_store, checkpoint_staff):
    for i in range(25):
        checklog.record(
            result="valid",
            pass_number=f"KS{i:08d}",
            community_id=checkpoint_staff.community_id,
            checked_by_id=checkpoint_staff.pk,
        )
    assert checklog.flush(batch_size=10) == 25
    assert PassCheck.objects.count() == 25 and checklog.pending() == 0


def test_with_redis_unreachable_the_guard_still_gets_an_answer_and_the_check_is_logged(
    settings, valid_pass, district_staff_a, checkpoint_staff, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = "redis://127.0.0.1:1/5"  # nothing listens there
    revocations.client.cache_clear()
    assert services.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff).status == "valid"
    with django_capture_on_commit_callbacks(execute=True):  # the revocation set update fails quietly
        services.return_pass_revoke(return_pass=valid_pass, revoked_by=district_staff_a, reason="离职")
    assert services.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff).status == "revoked"
    assert list(PassCheck.objects.order_by("pk").values_list("result", flat=True)) == ["valid", "revoked"]


# --- the revocation set ----------------------------------------------------------------------------


@redis_only
def test_revoke_then_reinstate_is_seen_at_the_next_check(
    redis_store, valid_pass, district_staff_a, checkpoint_staff, django_capture_on_commit_callbacks
):
    verify = lambda: services.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff).status  # noqa: E731
    assert verify() == "valid"
    assert redis_store.exists(revocations.READY_KEY)  # the first check built the copy
    with django_capture_on_commit_callbacks(execute=True):
        services.return_pass_suspend(return_pass=valid_pass, suspended_by=district_staff_a, reason="复查")
    assert verify() == "suspended"
    with django_capture_on_commit_callbacks(execute=True):
        services.return_pass_reinstate(return_pass=valid_pass, reinstated_by=district_staff_a)
    assert verify() == "valid"
    with django_capture_on_commit_callbacks(execute=True):
        services.return_pass_revoke(return_pass=valid_pass, revoked_by=district_staff_a, reason="离职")
    assert verify() == "revoked"
    assert redis_store.hget(revocations.BLOCKED_KEY, valid_pass.number) == b"revoked"


@redis_only
def test_after_redis_lost_its_keys_the_set_is_rebuilt_before_answering(
    redis_store, valid_pass, district_staff_a, checkpoint_staff
):
    services.return_pass_revoke(return_pass=valid_pass, revoked_by=district_staff_a, reason="离职")
    _clear_passes_keys(redis_store)  # Redis restarted: no copy, no ready marker
    verification = services.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff)
    assert verification.status == "revoked"
    assert redis_store.exists(revocations.READY_KEY)
    assert redis_store.hget(revocations.BLOCKED_KEY, valid_pass.number) == b"revoked"


@redis_only
def test_while_another_process_rebuilds_the_database_answers(
    redis_store, valid_pass, district_staff_a, checkpoint_staff
):
    services.return_pass_revoke(return_pass=valid_pass, revoked_by=district_staff_a, reason="离职")
    redis_store.set(revocations.REBUILD_LOCK_KEY, "1", ex=30)
    assert revocations.rebuild() is None
    assert services.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff).status == "revoked"
    assert not redis_store.exists(revocations.READY_KEY)


@redis_only
def test_the_scheduled_rebuild_repairs_an_update_that_never_reached_redis(
    redis_store, valid_pass, district_staff_a, checkpoint_staff
):
    assert services.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff).status == "valid"
    # Revoked, but the on-commit update of the copy never ran (these tests' transaction never commits).
    services.return_pass_revoke(return_pass=valid_pass, revoked_by=district_staff_a, reason="离职")
    assert services.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff).status == "valid"
    assert rebuild_revocations.delay().get() == 1
    assert services.return_pass_verify(token=valid_pass.token, checked_by=checkpoint_staff).status == "revoked"


@redis_only
def test_a_rebuild_keeps_a_revocation_that_lands_while_it_runs(redis_store, valid_pass, district_staff_a, monkeypatch):
    """Revoked after the rebuild read the database, published to the old copy just before the rebuilt
    copy replaces it: the rebuild re-applies recent changes, so the revocation is not lost."""
    real_execute = revocations.redis.client.Pipeline.execute
    landed = []

    def execute(pipe, *args, **kwargs):
        if not landed and any(
            args[0] == "RENAME" or (args[0] == "SET" and args[1] == revocations.READY_KEY)
            for args, _options in pipe.command_stack
        ):
            landed.append(
                services.return_pass_revoke(return_pass=valid_pass, revoked_by=district_staff_a, reason="离职")
            )
            revocations.publish({valid_pass.number: "revoked"})  # its on-commit update, to the old copy
        return real_execute(pipe, *args, **kwargs)

    monkeypatch.setattr(revocations.redis.client.Pipeline, "execute", execute)
    assert revocations.rebuild() == 0  # the snapshot held no blocked pass
    assert landed
    assert redis_store.hget(revocations.BLOCKED_KEY, valid_pass.number) == b"revoked"


def test_rebuild_revocations_without_redis_says_there_is_nothing_to_rebuild():
    out = io.StringIO()
    call_command("rebuild_revocations", stdout=out)
    assert "无需重建" in out.getvalue()


@redis_only
def test_rebuild_revocations_copies_the_blocked_passes(redis_store, valid_pass, district_staff_a):
    services.return_pass_revoke(return_pass=valid_pass, revoked_by=district_staff_a, reason="离职")
    out = io.StringIO()
    call_command("rebuild_revocations", stdout=out)
    assert "1 张" in out.getvalue()
    assert redis_store.hget(revocations.BLOCKED_KEY, valid_pass.number) == b"revoked"
    redis_store.set(revocations.REBUILD_LOCK_KEY, "1", ex=30)
    with pytest.raises(CommandError):
        call_command("rebuild_revocations", stdout=io.StringIO())


def test_the_beat_schedule_flushes_checks_every_few_seconds_and_rebuilds_the_set(settings):
    from kunshan_resume.celery import app

    flush = settings.CELERY_BEAT_SCHEDULE["passes-flush-checks"]
    rebuild = settings.CELERY_BEAT_SCHEDULE["passes-rebuild-revocations"]
    assert flush["task"] == flush_pass_checks.name and rebuild["task"] == rebuild_revocations.name
    assert timedelta(seconds=5) <= flush["schedule"] <= timedelta(seconds=10)
    assert {flush["task"], rebuild["task"]} <= set(app.tasks)


# --- retention ----------------------------------------------------------------------------------------


def _local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


@time_machine.travel(_local(2020, 4, 20, 10, 0), tick=False)
def test_checks_are_deleted_after_the_retention_days_and_only_those(settings):
    settings.PASS_CHECK_RETENTION_DAYS = 30
    expired = [_check(at=_local(2020, 3, 1, 8, 0)), _check(at=_local(2020, 3, 20, 23, 59, 59))]
    kept = [_check(at=_local(2020, 3, 21, 0, 0)), _check(at=_local(2020, 4, 20, 9, 0))]
    assert checklog.purge() == 2
    assert set(PassCheck.objects.values_list("pk", flat=True)) == {check.pk for check in kept}
    assert not PassCheck.objects.filter(pk__in=[check.pk for check in expired]).exists()
    assert checklog.purge() == 0  # the nightly task run twice deletes nothing more


@time_machine.travel(_local(2020, 4, 20, 10, 0), tick=False)
def test_a_long_backlog_is_deleted_in_batches(settings):
    settings.PASS_CHECK_RETENTION_DAYS = 7
    for day in range(1, 8):
        _check(at=_local(2020, 4, day, 12, 0))
    recent = _check(at=_local(2020, 4, 13, 0, 0))
    assert checklog.purge(batch_size=3) == 7
    assert list(PassCheck.objects.values_list("pk", flat=True)) == [recent.pk]


@time_machine.travel(_local(2020, 4, 20, 10, 0), tick=False)
def test_the_nightly_task_purges_and_is_on_the_beat_schedule(settings):
    from kunshan_resume.celery import app

    settings.PASS_CHECK_RETENTION_DAYS = 30
    _check(at=_local(2020, 3, 1, 8, 0))
    purge_pass_checks.delay()
    assert not PassCheck.objects.exists()
    # The nightly retention sweep (core.retention) deletes them: pass checks are one of its kinds.
    _check(at=_local(2020, 3, 1, 8, 0))
    from core.tasks import retention_sweep

    assert settings.CELERY_BEAT_SCHEDULE["core-retention-sweep"]["task"] == retention_sweep.name
    assert retention_sweep.delay().get()["passes.pass_checks"] == 1
    assert not PassCheck.objects.exists()
    assert purge_pass_checks.name in app.tasks
