"""The personal data the passes app keeps, and when each kind leaves (registered with core.retention).

- workers who left their enterprise: anonymised WORKER_LEFT_RETENTION_DAYS after the day they left (name, ID
  number, mobile, address, health readings; in their change history and in their passes' signed tokens too).
  The worker row stays, so passes, events and every count already made keep their rows;
- the log of full ID-number disclosures: deleted after ID_DISCLOSURE_RETENTION_DAYS;
- checkpoint checks (where and when a pass was seen): deleted after PASS_CHECK_RETENTION_DAYS;
- roster uploads (full ID numbers in a file): deleted after ROSTER_UPLOAD_RETENTION_HOURS;
- health records (daily readings, and closed health incidents): deleted after HEALTH_RECORD_RETENTION_DAYS; a
  reading an open incident rests on stays until the incident is closed and old enough itself.
"""

from datetime import datetime

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import retention
from passes.models import HealthIncident, HealthReading, IdNumberDisclosure, PassCheck, ReturnPass, Worker

ANONYMOUS_NAME = "已匿名"
# What anonymising clears, on the worker and in its history rows alike.
CLEARED = {
    "name": ANONYMOUS_NAME,
    "id_number_masked": "",
    "mobile": "",
    "residence_address": "",
    "temperature": None,
    "temperature_taken_at": None,
    "test_result": Worker.TestResult.NONE,
    "tested_on": None,
}


def workers_left_anonymise_batch(cutoff: datetime, batch_size: int) -> int:
    """Anonymise up to batch_size workers who left before the cutoff's day; returns how many."""
    ids = list(
        Worker.objects.filter(anonymised_at__isnull=True, left_on__isnull=False, left_on__lt=timezone.localdate(cutoff))
        .order_by("left_on", "id")
        .values_list("pk", flat=True)[:batch_size]
    )
    if not ids:
        return 0
    Worker.objects.filter(pk__in=ids).update(
        **CLEARED,
        id_number_encrypted="",
        # Unique per enterprise, and no longer the digest of any ID number.
        id_number_digest=Concat(Value("anonymised-"), Cast("id", CharField())),
        anonymised_at=timezone.now(),
    )
    # QuerySet.update writes no history row: the history keeps that the worker changed, not who they were.
    Worker.history.filter(id__in=ids).update(**CLEARED)
    # A pass's token carries the masked name; the pass itself (number, dates, status, events) stays.
    ReturnPass.objects.filter(worker_id__in=ids).exclude(token="").update(token="")
    return len(ids)


def health_records_purge_batch(cutoff: datetime, batch_size: int) -> int:
    """Delete up to batch_size closed incidents closed before the cutoff, else as many readings taken before it
    that no remaining incident rests on (the incidents protect their readings)."""
    closed = HealthIncident.objects.filter(status=HealthIncident.Status.CLOSED, closed_at__lt=cutoff)
    deleted = retention.delete_batch(closed, batch_size)
    if deleted:
        return deleted
    readings = HealthReading.objects.filter(created_at__lt=cutoff, incidents_opened=None, incidents_closed=None)
    return retention.delete_batch(readings, batch_size)


def register() -> None:
    retention.register(
        retention.RetentionKind(
            key="passes.worker_left",
            label=_("离职员工的个人信息(姓名、身份证号、手机号、住址、体温和核酸检测)"),
            setting="WORKER_LEFT_RETENTION_DAYS",
            purge_batch=workers_left_anonymise_batch,
            action=retention.ANONYMISE,
            # Each worker rewrites its row, its history rows and its passes, and the roster's indexes with them:
            # a quarter of the usual batch keeps the transaction short (bench/retention.py).
            max_batch=250,
        )
    )
    retention.register(
        retention.RetentionKind(
            key="passes.id_number_disclosures",
            label=_("身份证号查看记录"),
            setting="ID_DISCLOSURE_RETENTION_DAYS",
            purge_batch=lambda cutoff, size: retention.delete_batch(
                IdNumberDisclosure.objects.filter(at__lt=cutoff), size
            ),
        )
    )
    retention.register(
        retention.RetentionKind(
            key="passes.pass_checks",
            label=_("卡口核验记录"),
            setting="PASS_CHECK_RETENTION_DAYS",
            purge_batch=lambda cutoff, size: retention.delete_batch(
                PassCheck.objects.filter(checked_at__lt=cutoff), size
            ),
        )
    )

    retention.register(
        retention.RetentionKind(
            key="passes.health_records",
            label=_("健康登记(体温、症状、核酸检测)和已办结的健康异常事件"),
            setting="HEALTH_RECORD_RETENTION_DAYS",
            purge_batch=health_records_purge_batch,
        )
    )

    def roster_uploads(cutoff: datetime, size: int) -> int:
        from passes.services.roster import roster_uploads_purge_before

        # Files, a few a day: one step deletes them all (the count is of files, so it can pass the batch size;
        # the loop then calls once more and finds none).
        return roster_uploads_purge_before(cutoff=cutoff)

    retention.register(
        retention.RetentionKind(
            key="passes.roster_uploads",
            label=_("花名册导入文件"),
            setting="ROSTER_UPLOAD_RETENTION_HOURS",
            purge_batch=roster_uploads,
            unit=retention.HOURS,
        )
    )
