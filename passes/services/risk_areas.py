"""Writes to the administrative divisions (GB/T 2260) and the risk-area list (风险地区名单).

Built like the negative list (negative_list/services.py): a version is a draft until it is
published, and a published version is never edited, only replaced by a later one (clause 3: one
published rule, with its source and effective date, for everyone). Only administrators write.

Publishing queues `passes.tasks.apply_risk_list`: once the version is in force, the valid passes of
workers who may no longer work under it are suspended and their enterprises told.
"""

import datetime
from dataclasses import dataclass, field
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from core import excel
from passes.models import RiskArea, RiskAreaList, RiskLevel
from passes.services.suspensions import RiskListSweep, return_passes_follow_risk_list
from reference.models import Division

MSG_ADMIN_ONLY = _("只有系统管理员可以维护风险地区名单。")
MSG_PUBLISHED_READ_ONLY = _("已发布的风险地区名单版本不能修改。如需调整, 请新建草稿(可复制现行版本)并发布为新版本。")
MSG_ALREADY_PUBLISHED = _("该版本已经发布, 不能重复发布。")
MSG_EMPTY_DRAFT = _("草稿中还没有任何地区, 不能发布。")
MSG_EFFECTIVE_BEFORE_LATEST = _(
    "生效日期早于已发布的版本《%(title)s》(%(date)s起施行), 发布后会被它取代而不起作用。"
    "请把生效日期设为 %(date)s 或以后。"
)
MSG_DUPLICATE_AREA = _("该地区已在本草稿中。")
MSG_UNKNOWN_DIVISION = _(
    "行政区划代码不存在。请填写 6 位 GB/T 2260 代码: 省级(如 420000)、地级(如 420100)或县级(如 420102)。"
)
MSG_UNKNOWN_LEVEL = _("风险等级请填写“高”“中”或“低”。")
MSG_LOW_NEEDS_LISTED_PARENT = _(
    "“%(name)s”所在的省、市都没有列为高风险或中风险, 它本来就是低风险。低风险只用于已列入名单的省或市中的例外地区。"
)
MSG_LOW_WITHOUT_PARENT = _("以下低风险例外所在的省、市已不在名单中, 请移除这些例外或重新列入其上级地区: %(names)s。")
MSG_IMPORT_DUPLICATE_IN_FILE = _("与第 {row} 行的地区代码重复。")

LEVEL_TEXT = {RiskLevel.HIGH: "高", RiskLevel.MEDIUM: "中", RiskLevel.LOW: "低"}
_LEVEL_VALUES = {
    **{text: level for level, text in LEVEL_TEXT.items()},
    "高风险": RiskLevel.HIGH,
    "重点地区": RiskLevel.HIGH,
    "high": RiskLevel.HIGH,
    "中风险": RiskLevel.MEDIUM,
    "关注地区": RiskLevel.MEDIUM,
    "medium": RiskLevel.MEDIUM,
    "低风险": RiskLevel.LOW,
    "low": RiskLevel.LOW,
}


def _require_admin(user: User) -> None:
    if user.role != Role.ADMIN:
        raise PermissionDenied(MSG_ADMIN_ONLY)


def _lock_draft(draft: RiskAreaList) -> RiskAreaList:
    return RiskAreaList.objects.lock_draft(draft.pk, published_message=MSG_PUBLISHED_READ_ONLY)


def _listed_parent_codes(division: Division) -> list[str]:
    """The codes above a division (its province and prefecture), nearest first."""
    return [code for code in reversed(division.ancestor_codes) if code != division.code]


# --- drafts, entries, publication ---------------------------------------------------------------


@transaction.atomic
def risk_area_list_draft_create(
    *,
    created_by: User,
    title: str,
    source_document: str,
    effective_from: datetime.date,
    copy_from: RiskAreaList | None = None,
    notes: str = "",
) -> RiskAreaList:
    """A new draft version, empty or holding a copy of another version's areas."""
    _require_admin(created_by)
    draft = RiskAreaList.objects.draft_create(
        created_by=created_by, title=title, source_document=source_document, effective_from=effective_from, notes=notes
    )
    if copy_from is not None:
        RiskArea.objects.bulk_create(
            RiskArea(risk_list=draft, division_id=area.division_id, level=area.level, note=area.note)
            for area in copy_from.areas.all()
        )
    return draft


@transaction.atomic
def risk_area_add(*, draft: RiskAreaList, division: Division, level: str, added_by: User, note: str = "") -> RiskArea:
    """List a province, city or county as high or medium risk, or as a low-risk exception inside a
    listed province or city (the most specific entry wins)."""
    _require_admin(added_by)
    draft = _lock_draft(draft)
    if draft.areas.filter(division=division).exists():
        raise ValidationError({"division": MSG_DUPLICATE_AREA})
    if (
        level == RiskLevel.LOW
        and not draft.areas.filter(
            division_id__in=_listed_parent_codes(division), level__in=(RiskLevel.HIGH, RiskLevel.MEDIUM)
        ).exists()
    ):
        raise ValidationError({"level": MSG_LOW_NEEDS_LISTED_PARENT % {"name": division.full_name}})
    area = RiskArea(risk_list=draft, division=division, level=level, note=note.strip())
    # The draft is locked and the division given: skip their foreign-key queries and the unique check.
    area.full_clean(exclude={"risk_list", "division"}, validate_unique=False, validate_constraints=False)
    area.save()
    return area


@transaction.atomic
def risk_area_remove(*, area: RiskArea, removed_by: User) -> None:
    _require_admin(removed_by)
    _lock_draft(area.risk_list)
    RiskArea.objects.filter(pk=area.pk).delete()


def _low_without_parent(areas: list[RiskArea]) -> list[RiskArea]:
    """Low-risk exceptions whose province or city is not (or no longer) listed as high or medium."""
    listed = {a.division_id for a in areas if a.level != RiskLevel.LOW}
    return [a for a in areas if a.level == RiskLevel.LOW and not listed & set(_listed_parent_codes(a.division))]


@transaction.atomic
def risk_area_list_publish(*, draft: RiskAreaList, published_by: User) -> RiskAreaList:
    """Publish a draft: from its effective date it decides every worker's origin (clause 7), and the
    passes it makes ineligible are suspended then (see apply_risk_list)."""
    _require_admin(published_by)
    locked = RiskAreaList.objects.select_for_update().get(pk=draft.pk)
    if locked.status == RiskAreaList.Status.PUBLISHED:
        raise ValidationError(MSG_ALREADY_PUBLISHED)
    areas = list(locked.areas.select_related("division"))
    if not areas:
        raise ValidationError(MSG_EMPTY_DRAFT)
    orphans = _low_without_parent(areas)
    if orphans:
        raise ValidationError(MSG_LOW_WITHOUT_PARENT % {"names": "、".join(a.division.full_name for a in orphans)})
    latest = RiskAreaList.objects.published().order_by("-effective_from").first()
    if latest is not None and locked.effective_from < latest.effective_from:
        # In force only before a later version takes over, i.e. retroactively: no one could have followed it.
        raise ValidationError(
            MSG_EFFECTIVE_BEFORE_LATEST % {"title": latest.title, "date": f"{latest.effective_from:%Y-%m-%d}"}
        )
    locked.status = RiskAreaList.Status.PUBLISHED
    locked.published_by = published_by
    locked.published_at = timezone.now()
    locked.save(update_fields=["status", "published_by", "published_at"])
    _apply_on_commit(locked)
    return locked


def _apply_on_commit(risk_list: RiskAreaList) -> None:
    """Apply the list now if it is in force, else at the start of its effective day (the daily job
    `apply_due_risk_lists` does it again that day, in case the scheduled run was lost)."""
    from passes.tasks import apply_risk_list

    pk, effective_from = risk_list.pk, risk_list.effective_from
    if effective_from <= timezone.localdate():
        transaction.on_commit(lambda: apply_risk_list.delay(pk))
    else:
        eta = timezone.make_aware(datetime.datetime.combine(effective_from, datetime.time.min))
        transaction.on_commit(lambda: apply_risk_list.apply_async(args=[pk], eta=eta))


# --- applying a version to the passes -----------------------------------------------------------


def risk_area_list_apply(*, risk_list_id: int, today: datetime.date | None = None) -> RiskListSweep | None:
    """Make the passes follow this version once it is in force: suspend those of workers it keeps from
    work, reinstate those it alone kept suspended (see return_passes_follow_risk_list); None when it is
    not in force (a draft, not yet effective, or already replaced). Running it again changes nothing
    more unless a worker's data changed."""
    today = today or timezone.localdate()
    risk_list = RiskAreaList.objects.published().filter(pk=risk_list_id).first()
    in_force = RiskAreaList.objects.in_force(today)
    if risk_list is None or in_force is None or in_force.pk != risk_list.pk:
        return None
    return return_passes_follow_risk_list(risk_list=risk_list, today=today)


def risk_area_lists_apply_due(*, today: datetime.date | None = None) -> RiskListSweep | None:
    """The daily job: apply the version that comes into force today, if one does. Safe to repeat."""
    today = today or timezone.localdate()
    in_force = RiskAreaList.objects.in_force(today)
    if in_force is None or in_force.effective_from != today:
        return None
    return risk_area_list_apply(risk_list_id=in_force.pk, today=today)


# --- Excel import and export --------------------------------------------------------------------


_parse_note = excel.parse_text(cast(int, RiskArea._meta.get_field("note").max_length))  # a CharField


def parse_level(value) -> str:
    """高/中/低, 高风险/中风险/低风险, the levels' full labels, or high/medium/low."""
    text = str(value).strip()
    level = _LEVEL_VALUES.get(text.lower()) or next((lv for lv in RiskLevel if str(lv.label) == text), None)
    if level is None:
        raise ValidationError(MSG_UNKNOWN_LEVEL)
    return level


def _division_parser(divisions: dict[str, Division]):
    def parse(value) -> Division:
        if isinstance(value, int | float) and not isinstance(value, bool):
            # No code starts with 0 (provinces are 11..82), so a number cell loses nothing.
            number = excel.whole_number(value)
            code = "" if number is None else str(number)
        else:
            code = excel.plain_text(value)
        if code not in divisions:
            raise ValidationError(MSG_UNKNOWN_DIVISION)
        return divisions[code]

    return parse


def risk_area_columns(divisions: dict[str, Division] | None = None) -> list[excel.Column]:
    """Import and export share these columns, so an export imports back unchanged."""
    if divisions is None:
        divisions = {d.code: d for d in Division.objects.all()}
    return [
        excel.Column(
            "division",
            "地区代码",
            parse=_division_parser(divisions),
            width=10,
            help_text="6 位 GB/T 2260 行政区划代码: 省级(如 420000)、地级(如 330300)或县级(如 420102)。"
            "列入省或市即覆盖其下所有地区",
        ),
        excel.Column(
            "division_name", "地区名称", required=False, width=28, help_text="仅供核对, 导入时以地区代码为准, 可留空"
        ),
        excel.Column(
            "level",
            "风险等级",
            parse=parse_level,
            width=10,
            help_text="高、中或低。低只用于已列入的省或市中的例外地区(最具体的条目为准)",
        ),
        excel.Column("note", "备注", required=False, parse=_parse_note, width=40),
    ]


RISK_AREA_TEMPLATE_EXAMPLE = ["420000", "湖北省", "高", "重点地区"]


def risk_area_template() -> bytes:
    return excel.template_workbook(
        risk_area_columns(divisions={}), title="风险地区名单导入模板", example_rows=[RISK_AREA_TEMPLATE_EXAMPLE]
    )


@dataclass
class RiskAreaImport:
    result: excel.ImportResult
    columns: list[excel.Column]
    created: list[RiskArea] = field(default_factory=list)


def risk_area_import(*, draft: RiskAreaList, upload, imported_by: User) -> RiskAreaImport:
    """All-or-nothing import of areas into a draft; on any row error nothing is written.

    Raises excel.ExcelFileError for a file that cannot be read at all, ValidationError for a
    published version, PermissionDenied for anyone but an administrator.
    """
    _require_admin(imported_by)
    with transaction.atomic():
        draft = _lock_draft(draft)
        columns = risk_area_columns()
        result = excel.read_rows(upload, columns)
        outcome = RiskAreaImport(result=result, columns=columns)

        in_draft = dict(draft.areas.values_list("division_id", "level"))
        in_file = {row["division"].code: row.get("level") for row in result.rows if row.get("division")}
        first_rows = excel.FirstRows()
        for row in result.rows:
            division = row.get("division")
            if division is None:
                continue
            if (earlier := first_rows.earlier(division.code, row["_row"])) is not None:
                result.add_error(row["_row"], "division", MSG_IMPORT_DUPLICATE_IN_FILE.format(row=earlier))
            if division.code in in_draft:
                result.add_error(row["_row"], "division", MSG_DUPLICATE_AREA)
            if row.get("level") == RiskLevel.LOW:
                listed = {**in_draft, **in_file}
                parents = [
                    code
                    for code in _listed_parent_codes(division)
                    if listed.get(code) in (RiskLevel.HIGH, RiskLevel.MEDIUM)
                ]
                if not parents:
                    result.add_error(row["_row"], "level", MSG_LOW_NEEDS_LISTED_PARENT % {"name": division.full_name})
        if not result.ok:
            return outcome
        outcome.created = RiskArea.objects.bulk_create(
            RiskArea(risk_list=draft, division=row["division"], level=row["level"], note=row["note"] or "")
            for row in result.rows
        )
    return outcome


def risk_area_export_rows(areas) -> list[list]:
    """Rows in the import columns' order."""
    return [[a.division_id, a.division.full_name, LEVEL_TEXT[a.level], a.note] for a in areas]


def risk_area_export(*, risk_list: RiskAreaList) -> bytes:
    """A styled workbook of a version's areas; its first sheet imports back into a draft."""
    areas = risk_list.areas.select_related("division").order_by("division_id")
    about = excel.Sheet(
        title="版本说明",
        columns=[excel.Column("field", "项目", width=14), excel.Column("value", "内容", width=60)],
        rows=[
            ["名称", risk_list.title],
            ["依据文件", risk_list.source_document],
            ["生效日期", risk_list.effective_from],
            ["状态", risk_list.get_status_display()],
            ["演示数据", excel.FLAG_TEXT[risk_list.is_demo]],
            ["说明", risk_list.notes],
        ],
    )
    return excel.write_workbook(
        [
            excel.Sheet(title="风险地区", columns=risk_area_columns(divisions={}), rows=risk_area_export_rows(areas)),
            about,
        ]
    )


# --- demo content -------------------------------------------------------------------------------

DEMO_TITLE = "风险地区名单(演示)"
DEMO_SOURCE = "苏防控〔2020〕7号(演示, 非官方文本)"
DEMO_EFFECTIVE_FROM = datetime.date(2020, 2, 10)
DEMO_NOTES = (
    "演示数据: 按 2020 年 2 月上旬公开报道的重点地区(湖北省)和部分关注地区整理的示意, "
    "不是苏防控〔2020〕7号或任何正式文件的官方文本, 所列关注地区也不完整; "
    "上线前请系统管理员按正式文件新建并发布新版本。"
)
DEMO_AREA_NOTE = "演示数据, 非官方"
# (division code, level)
DEMO_AREAS = [
    ("420000", RiskLevel.HIGH),  # 湖北省
    ("330300", RiskLevel.MEDIUM),  # 浙江省温州市
    ("331000", RiskLevel.MEDIUM),  # 浙江省台州市
    ("411500", RiskLevel.MEDIUM),  # 河南省信阳市
    ("411700", RiskLevel.MEDIUM),  # 河南省驻马店市
    ("411300", RiskLevel.MEDIUM),  # 河南省南阳市
    ("430600", RiskLevel.MEDIUM),  # 湖南省岳阳市
]


@transaction.atomic
def risk_area_list_demo_load() -> RiskAreaList | None:
    """A published demo version, only when no version exists at all; returns it, or None when skipped.

    Needs the divisions (divisions_load) first.
    """
    if RiskAreaList.objects.exists():
        return None
    version = RiskAreaList.objects.create(
        title=DEMO_TITLE,
        source_document=DEMO_SOURCE,
        effective_from=DEMO_EFFECTIVE_FROM,
        notes=DEMO_NOTES,
        is_demo=True,
        status=RiskAreaList.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    RiskArea.objects.bulk_create(
        RiskArea(risk_list=version, division_id=code, level=level, note=DEMO_AREA_NOTE) for code, level in DEMO_AREAS
    )
    return version
