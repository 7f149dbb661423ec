"""The daily health sheet (每日健康登记) and what follows from it (clause 7, day by day).

A reading is a row (HealthReading), never edited. The newest reading also updates the worker's
temperature, test and quarantine fields, so the clause-7 eligibility that reads them (passes.eligibility,
and everything built on it: applications, issuing, the roster) follows the sheet without a query per
worker; the readings remain the history. Yesterday's reading is not carried over: the sheet shows
today's rows only, and eligibility already refuses a temperature older than TEMPERATURE_VALID_HOURS.

A reading of FEVER_THRESHOLD or more, symptoms, or a positive test opens a health incident (健康异常事件)
and gives the worker's pass the health reason, which suspends it at once (passes.services.suspensions);
the enterprise and the district of the worker's home community are told. That district closes the
incident with an outcome backed by a later reading; the health reason is lifted, and the pass comes back
when no other reason stands.

Imports follow the roster's discipline: all or nothing, an annotated error workbook, a Celery job with a
progress bar for large files.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.services import notify_each
from core import excel
from enterprises.models import Enterprise
from passes.models import HealthImport, HealthIncident, HealthReading, PassSuspension, ReturnPass, Worker
from passes.services.return_passes import _locked
from passes.services.roster import (
    MSG_DATE_IN_FUTURE,
    MSG_MISSING_COLUMNS,
    MSG_TEMPERATURE_NEEDS_TIME,
    MSG_TEMPERATURE_RANGE,
    MSG_TEST_NEEDS_DATE,
    MSG_TIME_IN_FUTURE,
    MSG_TIME_NEEDS_TEMPERATURE,
    TEMPERATURE_MAX,
    TEMPERATURE_MIN,
    _parse_choice,
    _parse_temperature,
    roster_file_limits,
)
from passes.services.suspensions import IN_PLAY, suspension_reasons_add, suspension_reasons_lift

logger = logging.getLogger(__name__)

MSG_NOT_YOURS = _("只能登记本企业员工的健康情况。")
MSG_NOT_HOME_DISTRICT = _("只有员工居住地所在属地的工作人员可以办结健康异常事件。")
MSG_ALREADY_CLOSED = _("该健康异常事件已办结。")
MSG_NO_NORMAL_READING = _("事件发生后还没有体温正常、无症状的复测登记, 不能以“复测正常”办结。")
MSG_NO_NEGATIVE_TEST = _("事件发生后还没有核酸检测阴性的登记, 不能以“核酸检测阴性”办结。")
MSG_STILL_ABNORMAL = _("事件发生后最近一次登记仍然异常(%(summary)s), 暂不能办结。")
MSG_TIME_NOT_THAT_DAY = _("测温时间应在登记当天(%(day)s)。")
MSG_TIME_INVALID = _("测温时间请填写 时:分, 如 08:30。")
MSG_DATE_WITHOUT_TEST = _("填写了检测日期, 请同时选择核酸检测结果。")
MSG_UNKNOWN_WORKER = _("本企业花名册中没有这个员工编号, 请使用本平台下载的登记表。")
MSG_NAME_MISMATCH = _("员工编号对应的员工是“%(name)s”, 请核对。")
MSG_DUPLICATE_IN_FILE = _("与第 %(row)d 行是同一名员工, 每人在一个文件中只填一行。")
MSG_IMPORT_CRASHED = _("导入时发生系统错误, 没有导入任何数据, 请稍后重新上传; 如仍失败请联系管理员。")

NOTICE_INCIDENT = _("健康异常: %(name)s(%(enterprise)s)%(summary)s")
NOTICE_INCIDENT_BODY = _("已暂停其返岗员工通行证(如有), 请员工居住地属地核实处置并办结。")
NOTICE_INCIDENT_CLOSED = _("健康异常事件已办结: %(name)s, %(outcome)s")

SUMMARY_FEVER = _("体温 %(temperature)s℃")
SUMMARY_SYMPTOMS = _("有症状")
SUMMARY_POSITIVE = _("核酸检测阳性")
REASON_HEALTH = _("健康异常(事件 %(id)s): %(summary)s")
REASON_INCIDENT_CLOSED = _("健康异常事件 %(id)s 已办结: %(outcome)s")

IMPORT_BATCH_SIZE = 2000
PROGRESS_TTL_SECONDS = 6 * 60 * 60
TR = HealthReading.TestResult


# --- one reading -----------------------------------------------------------------------------------


@dataclass
class ReadingInput:
    """What the sheet (a grid row or an Excel row) says about one worker on a day."""

    worker_id: int
    temperature: Decimal | None = None
    taken_at: datetime | None = None
    symptoms: bool = False
    quarantine_ended: bool = False
    test_result: str = TR.NONE
    tested_on: date | None = None

    def is_empty(self) -> bool:
        return (
            self.temperature is None
            and self.taken_at is None
            and not self.symptoms
            and not self.quarantine_ended
            and self.test_result == TR.NONE
            and self.tested_on is None
        )


def fever_threshold() -> Decimal:
    return Decimal(str(settings.FEVER_THRESHOLD))


def reading_abnormal(
    temperature: Decimal | None, symptoms: bool, test_result: str, *, threshold: Decimal | None = None
) -> bool:
    threshold = threshold if threshold is not None else fever_threshold()
    return (temperature is not None and temperature >= threshold) or symptoms or test_result == TR.POSITIVE


def reading_summary(reading) -> str:
    parts = []
    if reading.temperature is not None and reading.temperature >= fever_threshold():
        parts.append(str(SUMMARY_FEVER % {"temperature": reading.temperature}))
    if reading.symptoms:
        parts.append(str(SUMMARY_SYMPTOMS))
    if reading.test_result == TR.POSITIVE:
        parts.append(str(SUMMARY_POSITIVE))
    return "、".join(parts)


def reading_errors(entry: ReadingInput, *, day: date, now: datetime) -> dict[str, str]:
    """Rules across one reading's entries: {field: message}. The same for the grid and the import."""
    errors: dict[str, str] = {}
    if entry.temperature is not None and not TEMPERATURE_MIN <= entry.temperature <= TEMPERATURE_MAX:
        errors["temperature"] = str(MSG_TEMPERATURE_RANGE % {"min": TEMPERATURE_MIN, "max": TEMPERATURE_MAX})
    elif entry.temperature is not None and entry.taken_at is None:
        errors["taken_at"] = str(MSG_TEMPERATURE_NEEDS_TIME)
    elif entry.temperature is None and entry.taken_at is not None:
        errors["temperature"] = str(MSG_TIME_NEEDS_TEMPERATURE)
    if entry.taken_at is not None:
        if timezone.localdate(entry.taken_at) != day:
            errors.setdefault("taken_at", str(MSG_TIME_NOT_THAT_DAY % {"day": f"{day:%Y-%m-%d}"}))
        elif entry.taken_at > now:
            errors.setdefault("taken_at", str(MSG_TIME_IN_FUTURE))
    if entry.test_result != TR.NONE and entry.tested_on is None:
        errors["tested_on"] = str(MSG_TEST_NEEDS_DATE)
    elif entry.test_result == TR.NONE and entry.tested_on is not None:
        errors["test_result"] = str(MSG_DATE_WITHOUT_TEST)
    if entry.tested_on is not None and entry.tested_on > day:
        errors.setdefault("tested_on", str(MSG_DATE_IN_FUTURE))
    return errors


def _require_owner(user: User, enterprise: Enterprise) -> None:
    if user.role != Role.ENTERPRISE or user.enterprise_id != enterprise.pk:
        raise PermissionDenied(MSG_NOT_YOURS)


# --- recording readings ----------------------------------------------------------------------------


@transaction.atomic
def health_readings_record(
    *,
    enterprise: Enterprise,
    entries: Iterable[ReadingInput],
    recorded_by: User,
    day: date | None = None,
    source: str = HealthReading.Source.SHEET,
) -> list[HealthReading]:
    """Record the non-empty entries as readings of `day` (today), all or none; each must pass
    reading_errors (ValidationError otherwise) and name a worker of this enterprise."""
    _require_owner(recorded_by, enterprise)
    day = day or timezone.localdate()
    now = timezone.now()
    entries = [e for e in entries if not e.is_empty()]
    ids = {e.worker_id for e in entries}
    if Worker.objects.filter(enterprise=enterprise, pk__in=ids).count() != len(ids):
        raise PermissionDenied(MSG_NOT_YOURS)
    for entry in entries:
        errors = reading_errors(entry, day=day, now=now)
        if errors:
            raise ValidationError(errors)
    return _record(enterprise, entries, recorded_by, day, source)


def _record(
    enterprise: Enterprise, entries: list[ReadingInput], recorded_by: User, day: date, source: str
) -> list[HealthReading]:
    threshold = fever_threshold()
    readings = [
        HealthReading(
            worker_id=e.worker_id,
            enterprise=enterprise,
            day=day,
            temperature=e.temperature,
            taken_at=e.taken_at,
            symptoms=e.symptoms,
            quarantine_ended=e.quarantine_ended,
            test_result=e.test_result,
            tested_on=e.tested_on,
            abnormal=reading_abnormal(e.temperature, e.symptoms, e.test_result, threshold=threshold),
            source=source,
            recorded_by=recorded_by,
        )
        for e in entries
    ]
    HealthReading.objects.bulk_create(readings, batch_size=IMPORT_BATCH_SIZE)
    _workers_follow(entries)
    abnormal = [r for r in readings if r.abnormal]
    if abnormal:
        _open_incidents(enterprise, abnormal)
    return readings


def _record_import(
    enterprise: Enterprise, entries: list[ReadingInput], recorded_by: User, day: date, source: str
) -> int:
    """_record for an import batch: on PostgreSQL the readings go as column arrays in one INSERT, and only the
    abnormal ones (an incident each) become model instances. Returns how many were recorded."""
    if connection.vendor != "postgresql":
        return len(_record(enterprise, entries, recorded_by, day, source))
    threshold, now = fever_threshold(), timezone.now()
    flags = [reading_abnormal(e.temperature, e.symptoms, e.test_result, threshold=threshold) for e in entries]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {HealthReading._meta.db_table} (worker_id, enterprise_id, day, temperature, taken_at, "  # noqa: S608 - our table, values are parameters
            "symptoms, quarantine_ended, test_result, tested_on, abnormal, source, recorded_by_id, created_at) "
            "SELECT w, %s, %s, t, a, s, q, r, o, b, %s, %s, %s FROM unnest(%s::bigint[], %s::numeric[], "
            "%s::timestamptz[], %s::boolean[], %s::boolean[], %s::varchar[], %s::date[], %s::boolean[]) "
            "AS u(w, t, a, s, q, r, o, b) RETURNING id, worker_id, abnormal",
            [
                enterprise.pk,
                day,
                source,
                recorded_by.pk,
                now,
                [e.worker_id for e in entries],
                [e.temperature for e in entries],
                [e.taken_at for e in entries],
                [e.symptoms for e in entries],
                [e.quarantine_ended for e in entries],
                [e.test_result for e in entries],
                [e.tested_on for e in entries],
                flags,
            ],
        )
        # An import names each worker once (MSG_DUPLICATE_IN_FILE), so the worker finds the reading's id.
        abnormal_ids = {worker_id: pk for pk, worker_id, abnormal in cursor.fetchall() if abnormal}
    _workers_follow(entries)
    abnormal = [
        HealthReading(
            pk=abnormal_ids[e.worker_id],
            worker_id=e.worker_id,
            enterprise=enterprise,
            day=day,
            temperature=e.temperature,
            taken_at=e.taken_at,
            symptoms=e.symptoms,
            quarantine_ended=e.quarantine_ended,
            test_result=e.test_result,
            tested_on=e.tested_on,
            abnormal=True,
            source=source,
            recorded_by=recorded_by,
            created_at=now,
        )
        for e, flag in zip(entries, flags, strict=True)
        if flag
    ]
    if abnormal:
        _open_incidents(enterprise, abnormal)
    return len(entries)


def _latest(worker_field: str, **having) -> Subquery:
    newest = HealthReading.objects.filter(worker=OuterRef("pk"), **having).order_by("-created_at", "-id")
    return Subquery(newest.values(worker_field)[:1])


def _workers_follow(entries: list[ReadingInput]) -> None:
    """The worker's fields take the newest reading's values (one UPDATE per kind of entry, each value read
    from the readings just written, so nothing is carried in Python)."""
    now = timezone.now()
    with_temperature = [e.worker_id for e in entries if e.temperature is not None]
    with_result = [e.worker_id for e in entries if e.test_result in (TR.NEGATIVE, TR.POSITIVE)]
    ended = [e.worker_id for e in entries if e.quarantine_ended]
    if connection.vendor == "postgresql":
        _workers_follow_pg(with_temperature, with_result, ended, now)
        return
    for start in range(0, len(with_temperature), IMPORT_BATCH_SIZE):
        Worker.objects.filter(pk__in=with_temperature[start : start + IMPORT_BATCH_SIZE]).update(
            temperature=_latest("temperature", temperature__isnull=False),
            temperature_taken_at=_latest("taken_at", temperature__isnull=False),
            updated_at=now,
        )
    results = (TR.NEGATIVE, TR.POSITIVE)
    for start in range(0, len(with_result), IMPORT_BATCH_SIZE):
        Worker.objects.filter(pk__in=with_result[start : start + IMPORT_BATCH_SIZE]).update(
            test_result=_latest("test_result", test_result__in=results),
            tested_on=_latest("tested_on", test_result__in=results),
            updated_at=now,
        )
    for start in range(0, len(ended), IMPORT_BATCH_SIZE):
        Worker.objects.filter(pk__in=ended[start : start + IMPORT_BATCH_SIZE]).update(
            quarantine_status=Worker.Quarantine.ENDED, updated_at=now
        )


def _workers_follow_pg(with_temperature: list[int], with_result: list[int], ended: list[int], now: datetime) -> None:
    """_workers_follow in one statement per kind: each worker joined once to its newest reading of that kind
    (DISTINCT ON), rather than two correlated subqueries per worker."""
    workers, readings = Worker._meta.db_table, HealthReading._meta.db_table
    newest = (
        f"SELECT DISTINCT ON (worker_id) worker_id, %s FROM {readings} "  # noqa: S608 - our tables
        "WHERE worker_id = ANY(%%s::bigint[]) AND %s ORDER BY worker_id, created_at DESC, id DESC"
    )
    with connection.cursor() as cursor:
        if with_temperature:
            cursor.execute(
                f"UPDATE {workers} w SET temperature = r.temperature, temperature_taken_at = r.taken_at, "  # noqa: S608
                f"updated_at = %s FROM ({newest % ('temperature, taken_at', 'temperature IS NOT NULL')}) r "
                "WHERE w.id = r.worker_id",
                [now, with_temperature],
            )
        if with_result:
            cursor.execute(
                f"UPDATE {workers} w SET test_result = r.test_result, tested_on = r.tested_on, updated_at = %s "  # noqa: S608
                f"FROM ({newest % ('test_result, tested_on', 'test_result = ANY(%s)')}) r WHERE w.id = r.worker_id",
                [now, with_result, [TR.NEGATIVE, TR.POSITIVE]],
            )
        if ended:
            cursor.execute(
                f"UPDATE {workers} SET quarantine_status = %s, updated_at = %s WHERE id = ANY(%s::bigint[])",  # noqa: S608
                [Worker.Quarantine.ENDED, now, ended],
            )


def _home_district_id(worker: Worker) -> int:
    """The district of the worker's home community (the residence district when no community is known)."""
    if worker.residence_community is not None:
        return worker.residence_community.district_id
    return worker.residence_district_id


def _open_incidents(enterprise: Enterprise, abnormal: list[HealthReading]) -> None:
    """An incident per worker with an abnormal reading (unless one is open), the health reason on the
    worker's pass, and a notice to the enterprise and to the home district's staff."""
    first: dict[int, HealthReading] = {}
    for reading in abnormal:
        first.setdefault(reading.worker_id, reading)
    workers = {
        w.pk: w for w in Worker.objects.filter(pk__in=list(first)).select_related("residence_community").order_by()
    }
    still_open = HealthIncident.objects.filter(worker_id__in=list(first), status=HealthIncident.Status.OPEN)
    open_incidents = {i.worker_id: i for i in still_open}
    new = [
        HealthIncident(
            worker=workers[worker_id],
            enterprise=enterprise,
            home_district_id=_home_district_id(workers[worker_id]),
            reading=reading,
            summary=reading_summary(reading)[:255],
        )
        for worker_id, reading in first.items()
        if worker_id not in open_incidents
    ]
    HealthIncident.objects.bulk_create(new)
    incidents = {**open_incidents, **{i.worker_id: i for i in new}}
    # A worker whose incident is already open may have had the pass reinstated by hand: the new reading
    # gives it the health reason again (suspension_reasons_add skips passes where it still stands).
    in_play = ReturnPass.objects.filter(worker_id__in=list(first), status__in=IN_PLAY).values_list("pk", flat=True)
    by_worker: dict[int, list[ReturnPass]] = {}
    for return_pass in _locked(list(in_play)):
        by_worker.setdefault(return_pass.worker_id, []).append(return_pass)
    for worker_id, passes in by_worker.items():
        incident = incidents[worker_id]
        reason = str(REASON_HEALTH % {"id": incident.pk, "summary": reading_summary(first[worker_id])})
        suspension_reasons_add(
            passes=passes, reason=PassSuspension.Reason.HEALTH, actor=None, detail=reason, incident=incident
        )
    _notify_incidents(enterprise, new)


def _notify_incidents(enterprise: Enterprise, incidents: list[HealthIncident]) -> None:
    if not incidents:
        return
    url = reverse("passes:health_incidents")
    enterprise_users = list(User.objects.filter(enterprise=enterprise, role=Role.ENTERPRISE, is_active=True))
    districts = {i.home_district_id for i in incidents}
    staff: dict[int | None, list[User]] = {}
    for user in User.objects.filter(district_id__in=districts, role=Role.DISTRICT_STAFF, is_active=True):
        staff.setdefault(user.district_id, []).append(user)
    notices = []
    for incident in incidents:
        title = str(
            NOTICE_INCIDENT % {"name": incident.worker.name, "enterprise": enterprise.name, "summary": incident.summary}
        )
        for user in [*enterprise_users, *staff.get(incident.home_district_id, [])]:
            notices.append((user, title, str(NOTICE_INCIDENT_BODY), url))
    notify_each(notices)


# --- closing an incident ---------------------------------------------------------------------------


@transaction.atomic
def health_incident_close(*, incident: HealthIncident, closed_by: User, outcome: str, note: str = "") -> HealthIncident:
    """The home district closes an incident with an outcome its evidence supports: a later reading that is
    normal (temperature below the threshold, no symptoms) or a later negative test; the newest reading since
    the incident must not itself be abnormal. The health reason is lifted from the worker's pass, which
    comes back if nothing else keeps it suspended."""
    locked = HealthIncident.objects.select_for_update().select_related("worker", "enterprise").get(pk=incident.pk)
    if not (closed_by.role == Role.DISTRICT_STAFF and closed_by.district_id == locked.home_district_id):
        raise PermissionDenied(MSG_NOT_HOME_DISTRICT)
    if locked.status != HealthIncident.Status.OPEN:
        raise ValidationError(MSG_ALREADY_CLOSED, code="closed")
    later = HealthReading.objects.filter(worker_id=locked.worker_id, pk__gt=locked.reading_id).order_by(
        "-created_at", "-id"
    )
    newest = later.first()
    if newest is not None and newest.abnormal:
        raise ValidationError(MSG_STILL_ABNORMAL % {"summary": reading_summary(newest)}, code="still_abnormal")
    if outcome == HealthIncident.Outcome.NORMAL_READING:
        evidence = later.filter(abnormal=False, temperature__isnull=False).first()
        missing = MSG_NO_NORMAL_READING
    elif outcome == HealthIncident.Outcome.NEGATIVE_TEST:
        evidence = later.filter(abnormal=False, test_result=TR.NEGATIVE).first()
        missing = MSG_NO_NEGATIVE_TEST
    else:
        raise ValidationError({"outcome": _("请选择处置结果。")})
    if evidence is None:
        raise ValidationError(missing, code="no_evidence")
    locked.status, locked.outcome, locked.evidence = HealthIncident.Status.CLOSED, outcome, evidence
    locked.note, locked.closed_at, locked.closed_by = note.strip()[:255], timezone.now(), closed_by
    locked.save(update_fields=["status", "outcome", "evidence", "note", "closed_at", "closed_by"])
    in_play = ReturnPass.objects.filter(worker_id=locked.worker_id, status__in=IN_PLAY).values_list("pk", flat=True)
    comment = str(REASON_INCIDENT_CLOSED % {"id": locked.pk, "outcome": locked.get_outcome_display()})
    suspension_reasons_lift(
        passes=_locked(list(in_play)), actor=closed_by, comment=comment, reasons=[PassSuspension.Reason.HEALTH]
    )
    title = str(NOTICE_INCIDENT_CLOSED % {"name": locked.worker.name, "outcome": locked.get_outcome_display()})
    url = reverse("passes:health_incident", args=[locked.pk])
    notify_each(
        (user, title, locked.note, url)
        for user in User.objects.filter(enterprise_id=locked.enterprise_id, role=Role.ENTERPRISE, is_active=True)
    )
    return locked


# --- Excel: template and import ----------------------------------------------------------------------


def _time_on(day: date) -> Callable[[Any], datetime]:
    """A time of day (08:30, or an Excel time cell) on the sheet's day, or a full date and time."""

    def parse(value: Any) -> datetime:
        if isinstance(value, time):
            return timezone.make_aware(datetime.combine(day, value.replace(second=0, microsecond=0)))
        if isinstance(value, datetime):
            return excel.parse_datetime(value)
        text = excel.plain_text(value)
        if " " in text.strip() or "-" in text or "/" in text:
            return excel.parse_datetime(value)
        try:
            hours, minutes = (int(part) for part in text.replace("：", ":").split(":")[:2])
            return timezone.make_aware(datetime.combine(day, time(hours, minutes)))
        except ValueError:
            raise ValidationError(MSG_TIME_INVALID) from None

    return parse


def health_columns(day: date) -> list[excel.Column]:
    """The health sheet: the template the portal fills with the roster, and the import, share these."""
    return [
        excel.Column(
            "worker_id", _("员工编号"), parse=excel.parse_count, width=10, help_text="平台花名册中的编号, 请勿修改"
        ),
        excel.Column("name", _("姓名"), parse=excel.parse_text(50), width=12, help_text="用于核对, 须与花名册一致"),
        excel.Column(
            "temperature",
            _("体温(℃)"),
            required=False,
            parse=_parse_temperature,
            width=10,
            help_text=f"如 36.5; 达到 {settings.FEVER_THRESHOLD}℃ 即暂停其通行证并上报",
        ),
        excel.Column(
            "taken_at", _("测温时间"), required=False, parse=_time_on(day), width=12, help_text="时:分, 如 08:30"
        ),
        excel.Column("symptoms", _("有无症状"), required=False, parse=excel.parse_flag, width=10, help_text="是 或 否"),
        excel.Column(
            "quarantine_ended",
            _("今日解除隔离"),
            required=False,
            parse=excel.parse_flag,
            width=12,
            help_text="是 或 否",
        ),
        excel.Column(
            "test_result",
            _("核酸检测"),
            required=False,
            parse=_parse_choice(HealthReading.TestResult),
            width=16,
            help_text="、".join(str(label) for label in HealthReading.TestResult.labels),
        ),
        excel.Column("tested_on", _("检测日期"), required=False, parse=excel.parse_date, width=12),
    ]


def health_template(*, enterprise: Enterprise, day: date) -> bytes:
    """The day's sheet, one row per worker on the roster with the reading cells empty."""
    rows = Worker.objects.filter(enterprise=enterprise).order_by("name", "id").values_list("pk", "name")
    return excel.template_workbook(
        health_columns(day), title=f"健康登记 {day:%Y-%m-%d}", example_rows=[[pk, name] for pk, name in rows]
    )


@dataclass
class HealthImportOutcome:
    result: excel.ImportResult = field(default_factory=excel.ImportResult)
    rows: int = 0
    recorded: int = 0

    @property
    def ok(self) -> bool:
        return self.result.ok


class _Refused(Exception):
    """Raised inside the import's transaction to roll back every reading written."""


def health_upload_inspect(upload) -> tuple[int, bool]:
    """Rows in the upload, and whether it is imported while the user waits (as roster_upload_inspect)."""
    rows = excel.inspect_workbook(upload, **roster_file_limits()).data_rows
    return rows, rows <= settings.ROSTER_IMPORT_INLINE_MAX_ROWS and excel.upload_fits(upload, excel.Limits.default())


class _HealthImporter:
    def __init__(self, enterprise: Enterprise, user: User, day: date, progress: Callable[[int], None] | None):
        self.enterprise, self.user, self.day, self.progress = enterprise, user, day, progress
        self.now = timezone.now()
        self.columns = health_columns(day)
        self.outcome = HealthImportOutcome()
        self.result = self.outcome.result
        self.names = dict(Worker.objects.filter(enterprise=enterprise).order_by().values_list("pk", "name"))
        self.first_rows = excel.FirstRows()
        self.batch: list[ReadingInput] = []

    def run(self, upload, *, keep_source: bool) -> None:
        rows = excel.iter_rows(upload, self.columns, self.result, keep_source=keep_source, **roster_file_limits())
        for row in rows:
            if self.outcome.rows == 0:
                missing = [str(c.header) for c in self.columns if c.key not in self.result.found_columns]
                if missing:
                    raise excel.ExcelFileError(MSG_MISSING_COLUMNS % {"columns": "、".join(missing)})
            self.outcome.rows += 1
            entry = self._check(row)
            if entry is not None and not entry.is_empty():
                self.batch.append(entry)
            if len(self.batch) >= IMPORT_BATCH_SIZE:
                self._flush()
        self._flush()

    def _check(self, row: dict[str, Any]) -> ReadingInput | None:
        number = row["_row"]
        errors_before = len(self.result.errors)
        worker_id = row.get("worker_id")
        if worker_id is not None:
            name = self.names.get(worker_id)
            if name is None:
                self.result.add_error(number, "worker_id", MSG_UNKNOWN_WORKER)
            elif row.get("name") is not None and row["name"] != name:
                self.result.add_error(number, "name", MSG_NAME_MISMATCH % {"name": name})
            if (first := self.first_rows.earlier(worker_id, number)) is not None:
                self.result.add_error(number, "worker_id", MSG_DUPLICATE_IN_FILE % {"row": first})
        entry = ReadingInput(
            worker_id=worker_id or 0,
            temperature=row.get("temperature"),
            taken_at=row.get("taken_at"),
            symptoms=bool(row.get("symptoms")),
            quarantine_ended=bool(row.get("quarantine_ended")),
            test_result=row.get("test_result") or TR.NONE,
            tested_on=row.get("tested_on"),
        )
        failed = {c.key for c in self.columns if c.key not in row}
        for name, message in reading_errors(entry, day=self.day, now=self.now).items():
            if name not in failed:
                self.result.add_error(number, name, message)
        if failed or len(self.result.errors) > errors_before:
            return None
        return entry

    def _flush(self) -> None:
        if self.batch and self.result.ok:  # after the first error nothing more is written: it would be rolled back
            self.outcome.recorded += _record_import(
                self.enterprise, self.batch, self.user, self.day, HealthReading.Source.IMPORT
            )
        self.batch = []
        if self.progress is not None:
            self.progress(self.outcome.rows)


def health_import(
    *,
    enterprise: Enterprise,
    upload,
    imported_by: User,
    day: date | None = None,
    progress: Callable[[int], None] | None = None,
    keep_source: bool = False,
) -> HealthImportOutcome:
    """Import a day's sheet all or nothing: a reading per filled row; rows with only the worker's number and
    name are workers not read yet. Raises ExcelFileError for a file that cannot be read at all."""
    _require_owner(imported_by, enterprise)
    importer = _HealthImporter(enterprise, imported_by, day or timezone.localdate(), progress)
    try:
        with transaction.atomic():
            importer.run(upload, keep_source=keep_source)
            if not importer.result.ok:
                raise _Refused
    except _Refused:
        importer.outcome.recorded = 0
    importer.result.errors.sort(key=lambda e: e.row)
    return importer.outcome


def health_import_progress_key(health_import_id: int) -> str:
    return f"passes:health-import:{health_import_id}:rows-done"


def health_import_queue(*, enterprise: Enterprise, upload, rows_total: int, uploaded_by: User) -> HealthImport:
    """Keep the upload and import it in a Celery job once this transaction commits."""
    _require_owner(uploaded_by, enterprise)
    from passes.tasks import run_health_import

    with transaction.atomic():
        job = HealthImport(
            enterprise=enterprise, uploaded_by=uploaded_by, rows_total=rows_total, day=timezone.localdate()
        )
        upload.seek(0)
        job.file.save("health.xlsx", upload, save=False)
        job.save()
        transaction.on_commit(lambda: run_health_import.delay(job.pk), robust=True)
    return job


def health_import_run(*, health_import_id: int) -> HealthImport:
    """The job: idempotent (a redelivered task finds the import finished); the upload is deleted however
    it ends, as it holds health data."""
    S = HealthImport.Status
    try:
        with transaction.atomic():
            job = HealthImport.objects.select_for_update().get(pk=health_import_id)
            if job.status in (S.DONE, S.FAILED):
                return job
            job.status = S.RUNNING
            job.save(update_fields=["status"])
        try:
            return _health_import_job(health_import_id)
        except Exception:
            logger.exception("health import %s crashed", health_import_id)
            HealthImport.objects.filter(pk=health_import_id).exclude(status__in=[S.DONE, S.FAILED]).update(
                status=S.FAILED, message=str(MSG_IMPORT_CRASHED), finished_at=timezone.now()
            )
            raise
    finally:
        job = HealthImport.objects.get(pk=health_import_id)
        if job.file:
            job.file.delete(save=False)
            HealthImport.objects.filter(pk=health_import_id).update(file="")


def _health_import_job(health_import_id: int) -> HealthImport:
    S = HealthImport.Status
    key = health_import_progress_key(health_import_id)
    with transaction.atomic():
        job = (
            HealthImport.objects.select_for_update()
            .select_related("enterprise", "uploaded_by")
            .get(pk=health_import_id)
        )
        if job.status in (S.DONE, S.FAILED):
            return job
        with job.file.open("rb") as upload:
            try:
                outcome = health_import(
                    enterprise=job.enterprise,
                    upload=upload,
                    imported_by=job.uploaded_by,
                    day=job.day,
                    progress=lambda rows: cache.set(key, rows, PROGRESS_TTL_SECONDS),
                )
            except excel.ExcelFileError as error:
                job.status, job.message = S.FAILED, error.message
            else:
                job.rows_total = job.rows_done = outcome.rows
                job.created_count = outcome.recorded
                job.error_count = len(outcome.result.errors)
                job.status = S.DONE if outcome.ok else S.FAILED
                if not outcome.ok:
                    content = excel.error_workbook(
                        upload, health_columns(job.day), outcome.result, **roster_file_limits()
                    )
                    job.error_file.save("errors.xlsx", ContentFile(content), save=False)
        job.finished_at = timezone.now()
        job.save()
    cache.delete(key)
    return job


def health_import_rows_done(job: HealthImport) -> int:
    if job.status == HealthImport.Status.RUNNING:
        return min(cache.get(health_import_progress_key(job.pk), 0), job.rows_total or 0)
    return job.rows_done
