"""The roster (员工花名册): workers entered one by one or imported from Excel, full ID numbers shown to
the enterprise's district staff only with a reason, and exported for re-import. Every time a full ID
number leaves the database it is recorded (IdNumberDisclosure) and logged ("passes.personal_data").

One set of rules checks a worker's entries, whether they come from the form or from a sheet
(`worker_data_errors`). Imports are all-or-nothing: the sheet is streamed and written in batches
inside one transaction, so a failure at row 90,000 leaves nothing of rows 1 to 89,999.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypedDict, cast

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import FileField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import Role, User
from core import excel
from core.logging import personal_data_log
from enterprises.models import Enterprise
from passes.models import IdNumberDisclosure, RosterImport, Worker
from passes.personal_data import decrypt_id_number, id_number_digest, id_number_fields, normalize_id_number
from passes.services.return_passes import return_passes_close_for_departure
from reference.models import Community, District, Division

logger = logging.getLogger(__name__)

MSG_NOT_YOUR_ROSTER = _("只能维护本企业的员工花名册。")
MSG_NOT_YOUR_DISTRICT = _("只有企业所在属地的工作人员可以查看完整身份证号。")
MSG_REASON_REQUIRED = _("请填写事由。")
MSG_DUPLICATE_ID = _("花名册中已有这个身份证号的员工(%(name)s), 同一人不能重复登记。")
MSG_TEMPERATURE_INVALID = _("体温应填写数字, 如 36.5。")
MSG_TEMPERATURE_RANGE = _("体温应在 %(min)s 至 %(max)s ℃ 之间, 请核对。")
MSG_TEMPERATURE_NEEDS_TIME = _("填写了体温, 请同时填写测温时间。")
MSG_TIME_NEEDS_TEMPERATURE = _("填写了测温时间, 请同时填写体温。")
MSG_TEST_NEEDS_DATE = _("有核酸检测结果的, 请填写检测日期。")
MSG_QUARANTINE_NEEDS_START = _("正在隔离观察的, 请填写隔离开始日期。")
MSG_DATE_IN_FUTURE = _("日期不能晚于今天。")
MSG_TIME_IN_FUTURE = _("时间不能晚于现在。")
MSG_DATE_INVALID = excel.MSG_DATE_INVALID
MSG_DATETIME_INVALID = excel.MSG_DATETIME_INVALID
MSG_CHOICE_INVALID = _("请填写以下之一: %(choices)s。")
MSG_COMMUNITY_NOT_IN_DISTRICT = _("该社区(村)不在所填的居住地属地内。")
MSG_ID_NUMBER_AS_NUMBER = excel.MSG_ID_NUMBER_AS_NUMBER
MSG_ORIGIN_CODE_INVALID = _("来源地代码应为6位数字的行政区划代码(GB/T 2260), 如 511602。")
MSG_UNKNOWN_ORIGIN = _("没有这个行政区划代码, 请核对(登记员工页面可按地名查到代码)。")
MSG_UNKNOWN_DISTRICT = _("昆山没有这个区镇, 请填写属地名称, 如 张浦镇、昆山开发区。")
MSG_UNKNOWN_COMMUNITY = _("该属地没有这个社区(村), 请核对名称。")
MSG_DUPLICATE_IN_FILE = _("与第 %(row)d 行的身份证号相同, 同一人只能填写一行。")
MSG_ON_ROSTER_UNDER_ANOTHER_NAME = _(
    "这个身份证号已登记在花名册上, 姓名为“%(name)s”, 与本行不一致; 如确需更正姓名, 请在员工信息页修改后再导入。"
)
MSG_MISSING_COLUMNS = _("缺少列: %(columns)s。请使用导入模板或本平台导出的花名册, 不要删除列。")
MSG_IMPORT_CRASHED = _("导入时发生系统错误, 没有导入任何数据, 请稍后重新上传; 如仍失败请联系管理员。")
MSG_UPLOAD_EXPIRED = _("上传的文件含有身份证号, 超过保留期限已删除, 没有导入任何数据; 请重新上传。")
MSG_ERROR_FILE_EXPIRED = _("错误标注文件含有身份证号, 超过保留期限已删除; 如需查看请重新上传。")

TEMPERATURE_MIN = Decimal("34.0")
TEMPERATURE_MAX = Decimal("43.0")
_TENTH = Decimal("0.1")
# Rows written per round trip; all of them inside the import's one transaction.
IMPORT_BATCH_SIZE = 2000
# Rows per `id_number_digest IN (...)` lookup: SQLite allows 999 parameters by default.
_LOOKUP_CHUNK = 500
PROGRESS_TTL_SECONDS = 6 * 60 * 60

# What an import may change on a worker already on the roster. The ID number and the enterprise identify
# the worker; the name must match (a different name is refused, never overwritten: the form changes it).
UPDATABLE_FIELDS = (
    "mobile",
    "origin_id",
    "arrived_on",
    "quarantine_status",
    "quarantine_started_on",
    "temperature",
    "temperature_taken_at",
    "test_result",
    "tested_on",
    "residence_district_id",
    "residence_community_id",
    "residence_address",
    "housing_331_compliant",
    "job",
)
_UNDER_QUARANTINE = (Worker.Quarantine.HOME, Worker.Quarantine.CENTRAL)


# --- the rules of one entry, for the form and the import alike ---------------------------------------


def worker_data_errors(data: Mapping[str, Any], *, now: datetime) -> dict[str, str]:
    """Rules across a worker's entries: {field: message}. `data` holds model field values; the
    residence is given as `residence_district` / `residence_community` objects."""
    errors: dict[str, str] = {}
    today = timezone.localdate(now)
    temperature, taken_at = data.get("temperature"), data.get("temperature_taken_at")
    if temperature is not None and not TEMPERATURE_MIN <= temperature <= TEMPERATURE_MAX:
        errors["temperature"] = str(MSG_TEMPERATURE_RANGE % {"min": TEMPERATURE_MIN, "max": TEMPERATURE_MAX})
    elif temperature is not None and taken_at is None:
        errors["temperature_taken_at"] = str(MSG_TEMPERATURE_NEEDS_TIME)
    elif temperature is None and taken_at is not None:
        errors["temperature"] = str(MSG_TIME_NEEDS_TEMPERATURE)
    if taken_at is not None and taken_at > now:
        errors.setdefault("temperature_taken_at", str(MSG_TIME_IN_FUTURE))
    if data.get("test_result", Worker.TestResult.NONE) != Worker.TestResult.NONE and data.get("tested_on") is None:
        errors["tested_on"] = str(MSG_TEST_NEEDS_DATE)
    if data.get("quarantine_status") in _UNDER_QUARANTINE and data.get("quarantine_started_on") is None:
        errors["quarantine_started_on"] = str(MSG_QUARANTINE_NEEDS_START)
    for name in ("arrived_on", "quarantine_started_on", "tested_on"):
        if data.get(name) is not None and data[name] > today:
            errors.setdefault(name, str(MSG_DATE_IN_FUTURE))
    district, community = data.get("residence_district"), data.get("residence_community")
    if district is not None and community is not None and community.district_id != district.pk:
        errors["residence_community"] = str(MSG_COMMUNITY_NOT_IN_DISTRICT)
    return errors


def _minute(moment: datetime | None) -> datetime | None:
    """Temperatures are taken to the minute; seconds would not survive a trip through Excel anyway."""
    return moment.replace(second=0, microsecond=0) if moment is not None else None


# --- one worker at a time --------------------------------------------------------------------------


def _require_roster_owner(user: User, enterprise: Enterprise) -> None:
    if user.role != Role.ENTERPRISE or user.enterprise_id != enterprise.pk:
        raise PermissionDenied(MSG_NOT_YOUR_ROSTER)


def _lock_roster(enterprise: Enterprise) -> None:
    """Writers of one roster take turns, so a duplicate ID cannot slip in between a check and a write."""
    list(Enterprise.objects.select_for_update().filter(pk=enterprise.pk).values_list("pk", flat=True))


def _refuse_duplicate(worker: Worker) -> None:
    other = (
        Worker.objects.filter(enterprise_id=worker.enterprise_id, id_number_digest=worker.id_number_digest)
        .exclude(pk=worker.pk)
        .only("name")
        .first()
    )
    if other is not None:
        raise ValidationError({"id_number": MSG_DUPLICATE_ID % {"name": other.name}}, code="duplicate_id")


def _save_refusing_duplicates(worker: Worker, **save_kwargs) -> None:
    _refuse_duplicate(worker)
    try:
        with transaction.atomic():  # a savepoint: the constraint is the last word if a writer raced us
            worker.save(**save_kwargs)
    except IntegrityError as exc:
        raise ValidationError({"id_number": MSG_DUPLICATE_ID % {"name": worker.name}}, code="duplicate_id") from exc


def worker_create(*, enterprise: Enterprise, id_number: str, data: Mapping[str, Any], created_by: User) -> Worker:
    """`data`: the worker's fields as the form cleaned them; `id_number` normalised (normalize_id_number)."""
    _require_roster_owner(created_by, enterprise)
    worker = Worker(enterprise=enterprise, **data, **id_number_fields(id_number))
    worker.temperature_taken_at = _minute(worker.temperature_taken_at)
    with transaction.atomic():
        _lock_roster(enterprise)
        _save_refusing_duplicates(worker)
    return worker


def worker_update(*, worker: Worker, data: Mapping[str, Any], id_number: str | None, updated_by: User) -> Worker:
    """Change a worker's entries; a new ID number (or None to keep it) is checked against the roster."""
    _require_roster_owner(updated_by, worker.enterprise)
    _require_not_anonymised(worker)
    with transaction.atomic():
        _lock_roster(worker.enterprise)
        for name, value in data.items():
            setattr(worker, name, value)
        worker._history_user = updated_by  # type: ignore[attr-defined]  # simple-history's untyped hook: the history's "who", also outside a request
        worker.temperature_taken_at = _minute(worker.temperature_taken_at)
        if id_number and id_number_digest(id_number) != worker.id_number_digest:
            for name, value in id_number_fields(id_number).items():
                setattr(worker, name, value)
        _save_refusing_duplicates(worker)
    return worker


# --- workers who left: the enterprise marks them, the retention sweep anonymises them later ------------

MSG_LEFT_IN_FUTURE = _("离职日期不能晚于今天。")
MSG_ANONYMISED = _("该员工已离职超过保留期限, 个人信息已匿名化, 不能再修改或查看。")


def _require_not_anonymised(worker: Worker) -> None:
    if worker.anonymised_at is not None:
        raise ValidationError(MSG_ANONYMISED, code="anonymised")


def worker_leave(*, worker: Worker, left_on: date | None, marked_by: User) -> Worker:
    """Record the day a worker left the enterprise (None: they did not, after all). WORKER_LEFT_RETENTION_DAYS
    after that day the nightly sweep anonymises them (passes.retention); their open passes are closed now."""
    _require_roster_owner(marked_by, worker.enterprise)
    if left_on is not None and left_on > timezone.localdate():
        raise ValidationError({"left_on": MSG_LEFT_IN_FUTURE}, code="future")
    with transaction.atomic():
        locked = Worker.objects.select_for_update().get(pk=worker.pk)
        _require_not_anonymised(locked)
        locked.left_on = left_on
        locked._history_user = marked_by
        locked.save(update_fields=["left_on", "updated_at"])
        if left_on is not None:
            return_passes_close_for_departure(worker=locked, closed_by=marked_by)
    return locked


# --- full ID numbers: shown to the district with a reason, exported by the enterprise -------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": MSG_REASON_REQUIRED}, code="reason_required")
    return reason


def worker_id_number_disclose(*, worker: Worker, user: User, reason: str) -> str:
    """The full ID number for the staff of the enterprise's district, recorded with the reason given."""
    if user.role != Role.DISTRICT_STAFF or user.district_id != worker.enterprise.district_id:
        raise PermissionDenied(MSG_NOT_YOUR_DISTRICT)
    _require_not_anonymised(worker)
    reason = _reason(reason)
    number = decrypt_id_number(worker.id_number_encrypted)
    with transaction.atomic():
        disclosure = IdNumberDisclosure.objects.create(
            kind=IdNumberDisclosure.Kind.VIEW,
            user=user,
            enterprise_id=worker.enterprise_id,
            worker=worker,
            reason=reason,
        )
    # Who, whose and why: never the number itself.
    personal_data_log.info(
        "id_number disclosed kind=view disclosure=%s user=%s enterprise=%s worker=%s reason=%r",
        disclosure.pk,
        user.pk,
        worker.enterprise_id,
        worker.pk,
        reason,
    )
    return number


ROSTER_SHEET_TITLE = "员工花名册"
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"


def roster_export(*, enterprise: Enterprise, exported_by: User, reason: str) -> tuple[bytes, int]:
    """The whole roster with full ID numbers, in the import's own columns so that it imports back
    unchanged; every text cell neutralised against formula injection (core.excel). Returns the
    workbook and the number of workers."""
    _require_roster_owner(exported_by, enterprise)
    reason = _reason(reason)
    workers = (
        # Anonymised workers have no ID number left to export (nor a row the import could read back).
        Worker.objects.filter(enterprise=enterprise, anonymised_at__isnull=True)
        .select_related("origin", "residence_district", "residence_community")
        .order_by("name", "pk")
    )
    count = workers.count()
    with transaction.atomic():
        disclosure = IdNumberDisclosure.objects.create(
            kind=IdNumberDisclosure.Kind.EXPORT,
            user=exported_by,
            enterprise=enterprise,
            worker_count=count,
            reason=reason,
        )
    personal_data_log.info(
        "id_number disclosed kind=export disclosure=%s user=%s enterprise=%s workers=%s reason=%r",
        disclosure.pk,
        exported_by.pk,
        enterprise.pk,
        count,
        reason,
    )
    sheet = excel.Sheet(
        title=ROSTER_SHEET_TITLE,
        columns=roster_columns(),
        rows=(worker_export_row(w) for w in workers.iterator(chunk_size=IMPORT_BATCH_SIZE)),
    )
    return excel.write_workbook([sheet]), count


def worker_export_row(worker: Worker) -> list[Any]:
    """One roster row as the import reads it back (see roster_columns)."""
    return [
        worker.name,
        decrypt_id_number(worker.id_number_encrypted),
        worker.mobile,
        worker.origin_id,
        worker.origin.full_name,
        worker.arrived_on,
        worker.get_quarantine_status_display(),
        worker.quarantine_started_on,
        worker.temperature,
        worker.temperature_taken_at,
        worker.get_test_result_display(),
        worker.tested_on,
        worker.residence_district.name,
        worker.residence_community.name if worker.residence_community else None,
        worker.residence_address,
        excel.FLAG_TEXT[worker.housing_331_compliant],
        worker.job or None,
    ]


def roster_template() -> bytes:
    return excel.template_workbook(roster_columns(), title=str(_("员工花名册导入模板")))


# --- reading a sheet -------------------------------------------------------------------------------


def _parse_id_number(value: Any) -> str:
    if isinstance(value, int | float):
        raise ValidationError(MSG_ID_NUMBER_AS_NUMBER)
    return normalize_id_number(excel.plain_text(value))


def _parse_origin(value: Any) -> str:
    code = excel.parse_digits(value)
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise ValidationError(MSG_ORIGIN_CODE_INVALID)
    return code


def _parse_temperature(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError(MSG_TEMPERATURE_INVALID)
    try:
        # Folding full-width characters turns ℃ into °C.
        number = Decimal(excel.plain_text(value).removesuffix("°C").strip())
    except InvalidOperation:
        raise ValidationError(MSG_TEMPERATURE_INVALID) from None
    if not number.is_finite():
        raise ValidationError(MSG_TEMPERATURE_INVALID)
    # Far outside the range worker_data_errors names; rounding 1e100 to a tenth would overflow.
    if not -1000 < number < 1000:
        raise ValidationError(MSG_TEMPERATURE_RANGE % {"min": TEMPERATURE_MIN, "max": TEMPERATURE_MAX})
    return number.quantize(_TENTH, rounding=ROUND_HALF_UP)


def _parse_choice(choices) -> Callable[[Any], str]:
    by_text = {str(label): value for value, label in choices.choices} | {value: value for value in choices.values}
    allowed = "、".join(str(label) for label in choices.labels)

    def parse(value: Any) -> str:
        text = excel.plain_text(value)
        if text not in by_text:
            raise ValidationError(MSG_CHOICE_INVALID % {"choices": allowed})
        return by_text[text]

    return parse


def roster_columns() -> list[excel.Column]:
    """The roster sheet: import template, import and export share these columns (the export adds no other)."""
    return [
        excel.Column("name", _("姓名"), parse=excel.parse_text(50), width=12),
        excel.Column(
            "id_number",
            _("身份证号"),
            parse=_parse_id_number,
            width=22,
            help_text=_("18位居民身份证号码; 请把本列设为“文本”格式, 否则 Excel 会把号码改成科学计数法"),
        ),
        excel.Column("mobile", _("手机号"), parse=excel.parse_mobile, width=14),
        excel.Column(
            "origin",
            _("来源地代码"),
            parse=_parse_origin,
            width=12,
            help_text=_("出发地县(市、区)的6位行政区划代码(GB/T 2260), 如 511602"),
        ),
        excel.Column(
            "origin_name", _("来源地名称"), required=False, width=26, help_text=_("仅供核对, 导入时以来源地代码为准")
        ),
        excel.Column(
            "arrived_on",
            _("抵昆日期"),
            required=False,
            parse=excel.parse_date,
            width=12,
            number_format=DATE_FORMAT,
            help_text=_("如 2020-02-20; 尚未返昆的留空"),
        ),
        excel.Column(
            "quarantine_status",
            _("隔离状态"),
            required=False,
            parse=_parse_choice(Worker.Quarantine),
            width=14,
            help_text=_("无需隔离、居家隔离观察、集中隔离观察或已解除隔离; 留空为无需隔离"),
        ),
        excel.Column(
            "quarantine_started_on",
            _("隔离开始日期"),
            required=False,
            parse=excel.parse_date,
            width=12,
            number_format=DATE_FORMAT,
            help_text=_("正在隔离观察的必填"),
        ),
        excel.Column(
            "temperature",
            _("体温(℃)"),
            required=False,
            parse=_parse_temperature,
            width=9,
            number_format="0.0",
            help_text=_("最近一次体温, 如 36.5; 须同时填写测温时间"),
        ),
        excel.Column(
            "temperature_taken_at",
            _("测温时间"),
            required=False,
            parse=excel.parse_datetime,
            width=17,
            number_format=TIME_FORMAT,
            help_text=_("如 2020-02-20 08:30"),
        ),
        excel.Column(
            "test_result",
            _("核酸检测结果"),
            required=False,
            parse=_parse_choice(Worker.TestResult),
            width=12,
            help_text=_("未检测、阴性或阳性; 留空为未检测"),
        ),
        excel.Column(
            "tested_on",
            _("核酸检测日期"),
            required=False,
            parse=excel.parse_date,
            width=12,
            number_format=DATE_FORMAT,
            help_text=_("有检测结果的必填"),
        ),
        excel.Column(
            "residence_district",
            _("居住地属地"),
            parse=excel.parse_text(50),
            width=14,
            help_text=_("在昆居住地所在区镇, 如 张浦镇、昆山开发区"),
        ),
        excel.Column("residence_community", _("居住社区(村)"), required=False, parse=excel.parse_text(50), width=18),
        excel.Column("residence_address", _("居住地址"), parse=excel.parse_text(255), width=30),
        excel.Column(
            "housing_331_compliant",
            _("“331”整治达标房屋"),
            required=False,
            parse=excel.parse_flag,
            width=10,
            help_text=_("是或否; 留空为否"),
        ),
        excel.Column("job", _("岗位"), required=False, parse=excel.parse_text(50), width=12),
    ]


# Columns a sheet may leave out: the others would be cleared on every worker it updates.
_INFORMATIONAL_COLUMNS = frozenset({"origin_name"})
# The cells each rule of worker_data_errors reads, by the field it reports on.
_TEMPERATURE_CELLS = frozenset({"temperature", "temperature_taken_at"})
_RULE_CELLS = {
    "temperature": _TEMPERATURE_CELLS,
    "temperature_taken_at": _TEMPERATURE_CELLS,
    "tested_on": frozenset({"test_result", "tested_on"}),
    "quarantine_started_on": frozenset({"quarantine_status", "quarantine_started_on"}),
    "residence_community": frozenset({"residence_district", "residence_community"}),
}


# --- importing -------------------------------------------------------------------------------------


@dataclass
class RosterImportOutcome:
    result: excel.ImportResult = field(default_factory=excel.ImportResult)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return self.result.ok


class _Refused(Exception):
    """Raised inside the import's transaction to roll back every row written."""


class _FileLimits(TypedDict):
    limits: excel.Limits


def roster_file_limits() -> _FileLimits:
    """Larger than other imports allow: the roster the portal exports must import back, up to
    ROSTER_IMPORT_MAX_ROWS rows, in a background job. Parts read whole keep the default bound."""
    sheet = settings.ROSTER_IMPORT_MAX_UNCOMPRESSED
    return {
        "limits": excel.Limits.default(
            max_bytes=settings.ROSTER_IMPORT_MAX_BYTES,
            max_uncompressed=sheet,
            max_sheet_bytes=sheet,
            max_strings_bytes=settings.ROSTER_IMPORT_MAX_STRINGS_BYTES,
            max_rows=settings.ROSTER_IMPORT_MAX_ROWS,
            max_shared_strings=settings.ROSTER_IMPORT_MAX_SHARED_STRINGS,
            max_cells=settings.ROSTER_IMPORT_MAX_CELLS,
        )
    }


def roster_upload_inspect(upload) -> tuple[int, bool]:
    """How many rows the upload has, and whether it may be imported while the user waits: small files
    are; larger ones (rows above ROSTER_IMPORT_INLINE_MAX_ROWS, or beyond what any import may parse in a
    request: excel.Limits.default()) go to a Celery job. Raises ExcelFileError for a file the job would
    refuse before reading it, so that nothing is stored for it."""
    rows = excel.inspect_workbook(upload, **roster_file_limits()).data_rows
    return rows, rows <= settings.ROSTER_IMPORT_INLINE_MAX_ROWS and excel.upload_fits(upload, excel.Limits.default())


class _RosterImporter:
    """Streams a sheet, checks each row, and writes batches while no error has been found."""

    def __init__(self, enterprise: Enterprise, *, now: datetime, progress: Callable[[int], None] | None) -> None:
        self.enterprise = enterprise
        self.now = now
        self.progress = progress
        self.columns = roster_columns()
        self.outcome = RosterImportOutcome()
        self.result = self.outcome.result
        self.division_codes = set(Division.objects.values_list("code", flat=True))
        districts = list(District.objects.all())
        self.districts = {d.name: d for d in districts} | {d.code: d for d in districts}
        self.communities = {(c.district_id, c.name): c for c in Community.objects.all()}
        self.first_rows = excel.FirstRows()  # by ID digest
        self.batch: list[tuple[int, str | None, str | None, dict[str, Any] | None]] = []

    def run(self, upload, *, keep_source: bool) -> None:
        rows = excel.iter_rows(upload, self.columns, self.result, keep_source=keep_source, **roster_file_limits())
        for row in rows:
            if self.outcome.rows == 0:
                self._require_all_columns()
            self.outcome.rows += 1
            self.batch.append(self._check(row))
            if len(self.batch) >= IMPORT_BATCH_SIZE:
                self._flush()
        self._flush()

    def _require_all_columns(self) -> None:
        missing = [
            str(c.header)
            for c in self.columns
            if c.key not in self.result.found_columns and c.key not in _INFORMATIONAL_COLUMNS
        ]
        if missing:
            raise excel.ExcelFileError(MSG_MISSING_COLUMNS % {"columns": "、".join(missing)})

    def _error(self, row: int, column: str, message) -> None:
        self.result.add_error(row, column, message)

    def _check(self, row: dict[str, Any]) -> tuple[int, str | None, str | None, dict[str, Any] | None]:
        """(row number, ID digest, name, worker fields); the fields are None when the row has an error
        (each one is recorded), but its ID is still checked against the roster."""
        number = row["_row"]
        errors_before = len(self.result.errors)
        digest = None
        if row.get("id_number") is not None:
            digest = id_number_digest(row["id_number"])
            if (first := self.first_rows.earlier(digest, number)) is not None:
                self._error(number, "id_number", MSG_DUPLICATE_IN_FILE % {"row": first})
                self._error(first, "id_number", MSG_DUPLICATE_IN_FILE % {"row": number})
        if row.get("origin") is not None and row["origin"] not in self.division_codes:
            self._error(number, "origin", MSG_UNKNOWN_ORIGIN)
        district = community = None
        if row.get("residence_district") is not None:
            district = self.districts.get(row["residence_district"])
            if district is None:
                self._error(number, "residence_district", MSG_UNKNOWN_DISTRICT)
            elif row.get("residence_community") is not None:
                community = self.communities.get((district.pk, row["residence_community"]))
                if community is None:
                    self._error(number, "residence_community", MSG_UNKNOWN_COMMUNITY)
        data: dict[str, Any] = {
            "name": row.get("name"),
            "mobile": row.get("mobile"),
            "origin_id": row.get("origin"),
            "arrived_on": row.get("arrived_on"),
            "quarantine_status": row.get("quarantine_status") or Worker.Quarantine.NONE,
            "quarantine_started_on": row.get("quarantine_started_on"),
            "temperature": row.get("temperature"),
            "temperature_taken_at": row.get("temperature_taken_at"),
            "test_result": row.get("test_result") or Worker.TestResult.NONE,
            "tested_on": row.get("tested_on"),
            "residence_district": district,
            "residence_community": community,
            "residence_address": row.get("residence_address"),
            "housing_331_compliant": bool(row.get("housing_331_compliant")),
            "job": row.get("job") or "",
        }
        # A rule over a cell that did not parse would only repeat that cell's error in other words.
        failed = {c.key for c in self.columns if c.key not in row}
        for name, message in worker_data_errors(data, now=self.now).items():
            if not _RULE_CELLS.get(name, {name}) & failed:
                self._error(number, name, message)
        if failed or len(self.result.errors) > errors_before:
            return number, digest, row.get("name"), None
        if district is None:  # a blank or unknown district is an error above
            raise ValueError(f"row {number}: no district and no error")
        data["id_number"] = row["id_number"]
        data["residence_district_id"] = district.pk
        data["residence_community_id"] = community.pk if community else None
        del data["residence_district"], data["residence_community"]
        return number, digest, data["name"], data

    def _flush(self) -> None:
        if not self.batch:
            return
        existing: dict[str | None, Worker] = {}
        digests = [digest for _number, digest, _name, _data in self.batch if digest is not None]
        for start in range(0, len(digests), _LOOKUP_CHUNK):
            for worker in (
                Worker.objects.filter(
                    enterprise=self.enterprise, id_number_digest__in=digests[start : start + _LOOKUP_CHUNK]
                )
                .only("pk", "name", "id_number_digest", *UPDATABLE_FIELDS)
                .order_by()
            ):
                existing[worker.id_number_digest] = worker
        creates: list[dict[str, Any]] = []
        updates: list[Worker] = []
        for number, digest, name, data in self.batch:
            current = existing.get(digest)
            if current is not None and name is not None and current.name != name:
                self._error(number, "name", MSG_ON_ROSTER_UNDER_ANOTHER_NAME % {"name": current.name})
            elif data is None:
                continue
            elif current is None:
                creates.append(data)
            elif _apply_changes(current, data):
                updates.append(current)
            else:
                self.outcome.unchanged += 1
        self.batch.clear()
        if self.result.ok:  # after the first error nothing more is written: it would all be rolled back
            self._write(creates, updates)
        if self.progress is not None:
            self.progress(self.outcome.rows)

    def _write(self, creates: list[dict[str, Any]], updates: list[Worker]) -> None:
        workers = []
        for data in creates:
            number = data.pop("id_number")
            workers.append(Worker(enterprise=self.enterprise, **data, **id_number_fields(number)))
        bulk_create_with_history(workers, Worker, batch_size=IMPORT_BATCH_SIZE)
        for worker in updates:
            worker.updated_at = self.now
        bulk_update_with_history(updates, Worker, [*UPDATABLE_FIELDS, "updated_at"], batch_size=500)
        self.outcome.created += len(workers)
        self.outcome.updated += len(updates)


def _apply_changes(worker: Worker, data: Mapping[str, Any]) -> bool:
    """Copy the row's entries onto the worker; whether anything changed."""
    changed = False
    for name in UPDATABLE_FIELDS:
        value = data[name]
        current = getattr(worker, name)
        if name == "temperature_taken_at" and _minute(current) == value:
            continue  # the same reading, written to the minute
        if current != value:
            setattr(worker, name, value)
            changed = True
    return changed


def roster_import(
    *,
    enterprise: Enterprise,
    upload,
    imported_by: User,
    progress: Callable[[int], None] | None = None,
    keep_source: bool = False,
) -> RosterImportOutcome:
    """Import a roster sheet all-or-nothing: new ID numbers are added, ID numbers already on the roster
    under the same name are updated from the row, and any error leaves the roster as it was. Raises
    ExcelFileError for a file that cannot be read at all. `progress(rows_read)` is called per batch.
    `keep_source` keeps the sheet in the result, for an annotated copy made without reading it again
    (a small file imported while the user waits)."""
    _require_roster_owner(imported_by, enterprise)
    with transaction.atomic():
        _lock_roster(enterprise)
        return _import_all_or_nothing(enterprise, upload, progress, keep_source=keep_source)


def _import_all_or_nothing(enterprise, upload, progress, *, keep_source: bool = False) -> RosterImportOutcome:
    importer = _RosterImporter(enterprise, now=timezone.now(), progress=progress)
    try:
        with transaction.atomic():  # a savepoint when the caller holds a transaction
            importer.run(upload, keep_source=keep_source)
            if not importer.result.ok:
                raise _Refused
    except _Refused:
        importer.outcome.created = importer.outcome.updated = importer.outcome.unchanged = 0
    importer.result.errors.sort(key=lambda e: e.row)
    return importer.outcome


# --- large files: a Celery job with a progress bar ------------------------------------------------------


def roster_import_progress_key(roster_import_id: int) -> str:
    return f"passes:roster-import:{roster_import_id}:rows-done"


def roster_import_queue(*, enterprise: Enterprise, upload, rows_total: int, uploaded_by: User) -> RosterImport:
    """Keep the upload (under a random name) and import it in a Celery job once this transaction commits."""
    _require_roster_owner(uploaded_by, enterprise)
    from passes.tasks import run_roster_import

    with transaction.atomic():
        job = RosterImport(enterprise=enterprise, uploaded_by=uploaded_by, rows_total=rows_total)
        upload.seek(0)
        job.file.save("roster.xlsx", upload, save=False)
        job.save()
        # robust: a broker that is down leaves the import queued, not the upload page broken.
        transaction.on_commit(lambda: run_roster_import.delay(job.pk), robust=True)
    return job


def roster_import_run(*, roster_import_id: int) -> RosterImport:
    """The job: idempotent, so a redelivered task finds the import DONE or FAILED and does nothing.
    However it ends (imported, refused, crashed), the uploaded file is deleted: it holds full ID numbers.

    Progress goes to the cache, which the progress page reads: the job's own transaction holds its
    writes until the end, and on SQLite a second connection could not write beside it."""
    try:
        with transaction.atomic():
            job = RosterImport.objects.select_for_update().get(pk=roster_import_id)
            if job.status in (RosterImport.Status.DONE, RosterImport.Status.FAILED):
                return job
            job.status = RosterImport.Status.RUNNING
            job.save(update_fields=["status"])
        try:
            return _roster_import_job(roster_import_id)
        except Exception:
            logger.exception("roster import %s crashed", roster_import_id)
            RosterImport.objects.filter(pk=roster_import_id).exclude(
                status__in=[RosterImport.Status.DONE, RosterImport.Status.FAILED]
            ).update(status=RosterImport.Status.FAILED, message=str(MSG_IMPORT_CRASHED), finished_at=timezone.now())
            raise
    finally:
        _delete_files(RosterImport.objects.filter(pk=roster_import_id), "file")


def _delete_files(jobs, name: str) -> int:
    """Delete the stored files named in field `name` of these imports, then forget the names; a file that
    could not be deleted keeps its name, for the nightly purge to try again. Returns the files deleted."""
    storage = cast(FileField, RosterImport._meta.get_field(name)).storage
    deleted = 0
    for pk, stored in jobs.exclude(**{name: ""}).values_list("pk", name):
        try:
            storage.delete(stored)
        except OSError:
            logger.exception("roster import %s: could not delete %s", pk, name)
            continue
        RosterImport.objects.filter(pk=pk).update(**{name: ""})
        deleted += 1
    return deleted


def roster_uploads_purge(*, now: datetime | None = None) -> int:
    """Nightly: delete roster uploads and their annotated copies older than ROSTER_UPLOAD_RETENTION_HOURS,
    whatever became of their job (a lost worker, a broker that never ran it); an import still waiting for
    its file fails, saying why. A second run finds nothing. Returns the number of files deleted."""
    now = now or timezone.now()
    return roster_uploads_purge_before(cutoff=now - timedelta(hours=settings.ROSTER_UPLOAD_RETENTION_HOURS), now=now)


def roster_uploads_purge_before(*, cutoff: datetime, now: datetime | None = None) -> int:
    """The retention sweep's step for roster uploads (core.retention): the files of imports made before cutoff."""
    now = now or timezone.now()
    old = RosterImport.objects.filter(created_at__lt=cutoff)
    waiting = list(
        old.filter(status__in=[RosterImport.Status.QUEUED, RosterImport.Status.RUNNING]).values_list("pk", flat=True)
    )
    deleted = _delete_files(old, "file") + _delete_files(old, "error_file")
    RosterImport.objects.filter(pk__in=waiting, file="").update(
        status=RosterImport.Status.FAILED, message=str(MSG_UPLOAD_EXPIRED), finished_at=now
    )
    old.filter(error_file="", error_count__gt=0, message="").update(message=str(MSG_ERROR_FILE_EXPIRED))
    return deleted


def _roster_import_job(roster_import_id: int) -> RosterImport:
    key = roster_import_progress_key(roster_import_id)
    with transaction.atomic():
        # Held to the end: a second delivery of the task waits here, then finds the import finished.
        job = RosterImport.objects.select_for_update().select_related("enterprise").get(pk=roster_import_id)
        if job.status in (RosterImport.Status.DONE, RosterImport.Status.FAILED):
            return job
        _lock_roster(job.enterprise)
        with job.file.open("rb") as upload:
            try:
                outcome = _import_all_or_nothing(
                    job.enterprise, upload, lambda rows: cache.set(key, rows, PROGRESS_TTL_SECONDS)
                )
            except excel.ExcelFileError as error:
                job.status, job.message = RosterImport.Status.FAILED, error.message
            else:
                job.rows_total = job.rows_done = outcome.rows
                job.created_count, job.updated_count = outcome.created, outcome.updated
                job.error_count = len(outcome.result.errors)
                job.status = RosterImport.Status.DONE if outcome.ok else RosterImport.Status.FAILED
                if not outcome.ok:
                    content = excel.error_workbook(upload, roster_columns(), outcome.result, **roster_file_limits())
                    job.error_file.save("errors.xlsx", ContentFile(content), save=False)
        job.finished_at = timezone.now()
        job.save()
    cache.delete(key)
    return job


def roster_import_rows_done(job: RosterImport) -> int:
    """Rows read so far: from the cache while the job runs, from the row once it has finished."""
    if job.status == RosterImport.Status.RUNNING:
        return min(cache.get(roster_import_progress_key(job.pk), 0), job.rows_total or 0)
    return job.rows_done
