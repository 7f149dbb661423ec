"""Writes to the industry classification and the negative list (负面清单).

A version is built as a draft, then published; a published version is never edited, only replaced
by a later one (clause 3: one published rule, with an effective date, for everyone). Only
administrators (Role.ADMIN, the city headquarters) write.
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
from negative_list.models import NegativeList, NegativeListEntry
from reference.models import Industry

MSG_ADMIN_ONLY = _("只有系统管理员可以维护负面清单。")
MSG_PUBLISHED_READ_ONLY = _("已发布的负面清单版本不能修改。如需调整, 请新建草稿(可复制现行版本)并发布为新版本。")
MSG_ALREADY_PUBLISHED = _("该版本已经发布, 不能重复发布。")
MSG_EMPTY_DRAFT = _("草稿中还没有任何条目, 不能发布。")
MSG_EFFECTIVE_BEFORE_LATEST = _(
    "生效日期早于已发布的版本《%(title)s》(%(date)s起施行), 发布后会被它取代而不起作用。"
    "请把生效日期设为 %(date)s 或以后。"
)
MSG_DUPLICATE_ENTRY = _("该行业已在本草稿中。")
MSG_NOTHING_RESTRICTED = _("请至少选择一项限制: 复工、复产或复市。")
MSG_REASON_REQUIRED = _("请填写列入负面清单的理由。")
MSG_UNKNOWN_INDUSTRY = _(
    "行业代码不存在。请填写国民经济行业分类(GB/T 4754-2017)的代码: 门类字母, 或 2 位大类、3 位中类、4 位小类代码。"
)
MSG_AMBIGUOUS_CODE = _(
    "单元格是数字格式, 代码开头的 0 已丢失, 无法判断是 {codes} 中的哪一个。请把该列设为文本格式后重新填写。"
)
MSG_IMPORT_DUPLICATE_IN_FILE = _("与第 {row} 行的行业代码重复。")


def _require_admin(user: User) -> None:
    if user.role != Role.ADMIN:
        raise PermissionDenied(MSG_ADMIN_ONLY)


def _lock_draft(draft: NegativeList) -> NegativeList:
    return NegativeList.objects.lock_draft(draft.pk, published_message=MSG_PUBLISHED_READ_ONLY)


# --- drafts, entries, publication ------------------------------------------------------------


@transaction.atomic
def negative_list_draft_create(
    *,
    created_by: User,
    title: str,
    source_document: str,
    effective_from: datetime.date,
    copy_from: NegativeList | None = None,
    notes: str = "",
) -> NegativeList:
    """A new draft version, empty or holding a copy of another version's entries."""
    _require_admin(created_by)
    draft = NegativeList.objects.draft_create(
        created_by=created_by, title=title, source_document=source_document, effective_from=effective_from, notes=notes
    )
    if copy_from is not None:
        NegativeListEntry.objects.bulk_create(
            NegativeListEntry(
                negative_list=draft,
                industry_id=entry.industry_id,
                restricts_work=entry.restricts_work,
                restricts_production=entry.restricts_production,
                restricts_business=entry.restricts_business,
                reason=entry.reason,
            )
            for entry in copy_from.entries.all()
        )
    return draft


@transaction.atomic
def negative_list_entry_add(
    *,
    draft: NegativeList,
    industry: Industry,
    restricts_work: bool,
    restricts_production: bool,
    restricts_business: bool,
    reason: str,
    added_by: User,
) -> NegativeListEntry:
    _require_admin(added_by)
    draft = _lock_draft(draft)
    if not (restricts_work or restricts_production or restricts_business):
        raise ValidationError(MSG_NOTHING_RESTRICTED)
    if not reason.strip():
        raise ValidationError({"reason": MSG_REASON_REQUIRED})
    if draft.entries.filter(industry=industry).exists():
        raise ValidationError({"industry": MSG_DUPLICATE_ENTRY})
    entry = NegativeListEntry(
        negative_list=draft,
        industry=industry,
        restricts_work=restricts_work,
        restricts_production=restricts_production,
        restricts_business=restricts_business,
        reason=reason.strip(),
    )
    # The draft is locked and the industry given: skip their foreign-key queries and the unique check.
    entry.full_clean(exclude={"negative_list", "industry"}, validate_unique=False, validate_constraints=False)
    entry.save()
    return entry


@transaction.atomic
def negative_list_entry_remove(*, entry: NegativeListEntry, removed_by: User) -> None:
    _require_admin(removed_by)
    _lock_draft(entry.negative_list)
    NegativeListEntry.objects.filter(pk=entry.pk).delete()


@transaction.atomic
def negative_list_publish(*, draft: NegativeList, published_by: User) -> NegativeList:
    """Publish a draft: from its effective date it is the rule for every filing (clause 3)."""
    _require_admin(published_by)
    locked = NegativeList.objects.select_for_update().get(pk=draft.pk)
    if locked.status == NegativeList.Status.PUBLISHED:
        raise ValidationError(MSG_ALREADY_PUBLISHED)
    if not locked.entries.exists():
        raise ValidationError(MSG_EMPTY_DRAFT)
    latest = NegativeList.objects.published().order_by("-effective_from").first()
    if latest is not None and locked.effective_from < latest.effective_from:
        # In force only before a later version takes over, i.e. retroactively: no one could have followed it.
        raise ValidationError(
            MSG_EFFECTIVE_BEFORE_LATEST % {"title": latest.title, "date": f"{latest.effective_from:%Y-%m-%d}"}
        )
    locked.status = NegativeList.Status.PUBLISHED
    locked.published_by = published_by
    locked.published_at = timezone.now()
    locked.save(update_fields=["status", "published_by", "published_at"])
    return locked


# --- Excel import and export -----------------------------------------------------------------


_parse_reason = excel.parse_text(cast(int, NegativeListEntry._meta.get_field("reason").max_length))  # a CharField


def _industry_parser(industries: dict[str, Industry]):
    def parse(value) -> Industry:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = excel.whole_number(value)
            if number is None or number < 0:
                raise ValidationError(MSG_UNKNOWN_INDUSTRY)
            # A number cell lost any leading zero (section A: 01-05): 111 may be group 111 or class 0111.
            digits = str(number)
            candidates = [c for c in dict.fromkeys(digits.zfill(n) for n in range(len(digits), 5)) if c in industries]
            if len(candidates) > 1:
                raise ValidationError(MSG_AMBIGUOUS_CODE.format(codes="、".join(candidates)))
            if not candidates:
                raise ValidationError(MSG_UNKNOWN_INDUSTRY)
            return industries[candidates[0]]
        code = excel.plain_text(value).upper()
        if code not in industries:
            raise ValidationError(MSG_UNKNOWN_INDUSTRY)
        return industries[code]

    return parse


def negative_list_columns(industries: dict[str, Industry] | None = None) -> list[excel.Column]:
    """Import and export share these columns, so an export imports back unchanged."""
    if industries is None:
        industries = {i.code: i for i in Industry.objects.all()}
    flag_help = "是/否, 空白为否"
    return [
        excel.Column(
            "industry",
            "行业代码",
            parse=_industry_parser(industries),
            width=10,
            help_text="GB/T 4754-2017 代码, 任一层级: 门类字母(如 R)、2位大类、3位中类或4位小类。"
            "列入大类或中类即覆盖其下所有小类。以0开头的代码请设为文本格式",
        ),
        excel.Column(
            "industry_name", "行业名称", required=False, width=28, help_text="仅供核对, 导入时以行业代码为准, 可留空"
        ),
        excel.Column(
            "restricts_work", "限制复工", required=False, parse=excel.parse_flag, width=10, help_text=flag_help
        ),
        excel.Column(
            "restricts_production", "限制复产", required=False, parse=excel.parse_flag, width=10, help_text=flag_help
        ),
        excel.Column(
            "restricts_business", "限制复市", required=False, parse=excel.parse_flag, width=10, help_text=flag_help
        ),
        excel.Column("reason", "理由", parse=_parse_reason, width=50, help_text="如: 人员密集场所, 暂缓开放"),
    ]


NEGATIVE_LIST_TEMPLATE_EXAMPLE = ["8760", "电影放映", "是", "是", "是", "人员密集的封闭场所, 暂缓开放"]


def negative_list_template() -> bytes:
    return excel.template_workbook(
        negative_list_columns(), title="负面清单导入模板", example_rows=[NEGATIVE_LIST_TEMPLATE_EXAMPLE]
    )


@dataclass
class NegativeListImport:
    result: excel.ImportResult
    columns: list[excel.Column]
    created: list[NegativeListEntry] = field(default_factory=list)


def negative_list_import(*, draft: NegativeList, upload, imported_by: User) -> NegativeListImport:
    """All-or-nothing import of entries into a draft; on any row error nothing is written.

    Raises excel.ExcelFileError for a file that cannot be read at all, ValidationError for a
    published version, PermissionDenied for anyone but an administrator.
    """
    _require_admin(imported_by)
    with transaction.atomic():
        draft = _lock_draft(draft)
        columns = negative_list_columns()
        result = excel.read_rows(upload, columns)
        outcome = NegativeListImport(result=result, columns=columns)

        in_draft = set(draft.entries.values_list("industry_id", flat=True))
        first_rows = excel.FirstRows()
        for row in result.rows:
            if not (row.get("restricts_work") or row.get("restricts_production") or row.get("restricts_business")):
                result.add_error(row["_row"], None, MSG_NOTHING_RESTRICTED)
            industry = row.get("industry")
            if industry is None:
                continue
            if (earlier := first_rows.earlier(industry.code, row["_row"])) is not None:
                result.add_error(row["_row"], "industry", MSG_IMPORT_DUPLICATE_IN_FILE.format(row=earlier))
            if industry.code in in_draft:
                result.add_error(row["_row"], "industry", MSG_DUPLICATE_ENTRY)
        if not result.ok:
            return outcome
        outcome.created = NegativeListEntry.objects.bulk_create(
            NegativeListEntry(
                negative_list=draft,
                industry=row["industry"],
                restricts_work=bool(row["restricts_work"]),
                restricts_production=bool(row["restricts_production"]),
                restricts_business=bool(row["restricts_business"]),
                reason=row["reason"],
            )
            for row in result.rows
        )
    return outcome


def negative_list_export_rows(entries) -> list[list]:
    """Rows in the import columns' order."""
    return [
        [
            e.industry.code,
            e.industry.name,
            excel.FLAG_TEXT[e.restricts_work],
            excel.FLAG_TEXT[e.restricts_production],
            excel.FLAG_TEXT[e.restricts_business],
            e.reason,
        ]
        for e in entries
    ]


def negative_list_export(*, negative_list: NegativeList) -> bytes:
    """A styled workbook of a version's entries; its first sheet imports back into a draft."""
    entries = negative_list.entries.select_related("industry").order_by("industry__section", "industry_id")
    columns = negative_list_columns(industries={})
    about = excel.Sheet(
        title="版本说明",
        columns=[excel.Column("field", "项目", width=14), excel.Column("value", "内容", width=60)],
        rows=[
            ["名称", negative_list.title],
            ["依据文件", negative_list.source_document],
            ["生效日期", negative_list.effective_from],
            ["状态", negative_list.get_status_display()],
            ["演示数据", excel.FLAG_TEXT[negative_list.is_demo]],
            ["说明", negative_list.notes],
        ],
    )
    return excel.write_workbook(
        [excel.Sheet(title="负面清单", columns=columns, rows=negative_list_export_rows(entries)), about]
    )


# --- demo content ----------------------------------------------------------------------------

DEMO_TITLE = "复工复产负面清单(演示)"
DEMO_SOURCE = "昆防指〔2020〕19号(演示, 非官方文本)"
DEMO_EFFECTIVE_FROM = datetime.date(2020, 3, 1)
DEMO_NOTES = (
    "演示数据: 按通知所述负面清单的常见范围整理, 不是昆防指〔2020〕19号的官方文本; "
    "上线前请管理员按正式文件新建并发布新版本。"
    "校外培训列 8391、8392、8393、8399 四个小类而不列中类 839, 因为 839 下的 8394 教育辅助服务(考试组织、教育咨询等)"
    "不组织线下授课; 培训机构只限制复市(线下授课), 线上教学和机构内部办公不受限制。"
)
_VENUE = (True, True, True)
# Training keeps staff at work (online teaching, preparation) but may not hold classes in person.
_TRAINING = (False, False, True)
_TRAINING_REASON = "校外培训线下授课人员聚集, 暂停线下培训; 线上教学和机构内部办公不受限制"
# (code, (work, production, business), reason)
DEMO_ENTRIES = [
    ("8051", _VENUE, "洗浴场所人员密集、通风不良, 暂缓开放"),
    ("8052", _VENUE, "足浴场所人员近距离接触, 暂缓开放"),
    ("8391", _TRAINING, _TRAINING_REASON),
    ("8392", _TRAINING, _TRAINING_REASON),
    ("8393", _TRAINING, _TRAINING_REASON),
    ("8399", _TRAINING, _TRAINING_REASON),
    ("8760", _VENUE, "影院为人员密集的封闭场所, 暂缓开放"),
    ("8820", _VENUE, "剧场等演出场馆人员密集, 暂停演出, 暂缓开放"),
    ("8930", _VENUE, "健身房、室内游泳馆等室内健身场所人员密集, 暂缓开放"),
    ("9011", _VENUE, "歌厅(KTV)、舞厅为人员密集的封闭场所, 暂缓开放"),
    ("9012", _VENUE, "游戏游艺厅人员密集、设备共用, 暂缓开放"),
    ("9013", _VENUE, "网吧人员密集、设备共用, 暂缓开放"),
    ("9019", _VENUE, "棋牌室等其他室内娱乐场所人员聚集, 暂缓开放"),
]


@transaction.atomic
def negative_list_demo_load() -> NegativeList | None:
    """A published demo version, only when no version exists at all; returns it, or None when skipped.

    Needs the classification (industries_load) first.
    """
    if NegativeList.objects.exists():
        return None
    version = NegativeList.objects.create(
        title=DEMO_TITLE,
        source_document=DEMO_SOURCE,
        effective_from=DEMO_EFFECTIVE_FROM,
        notes=DEMO_NOTES,
        is_demo=True,
        status=NegativeList.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    NegativeListEntry.objects.bulk_create(
        NegativeListEntry(
            negative_list=version,
            industry_id=code,
            restricts_work=work,
            restricts_production=production,
            restricts_business=business,
            reason=reason,
        )
        for code, (work, production, business), reason in DEMO_ENTRIES
    )
    return version
