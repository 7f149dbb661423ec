"""Tiered linkage (分级挂钩): who stands at each tier for an enterprise, and how district staff maintain it.

A tier's default comes from its source (LinkageTier.source): the enterprise's responsible official, the
district's task-force head, the industry authority of the enterprise's industry, or the district's city
leader. An enterprise's own LinkedOfficial row at a tier replaces the default. The responsible official is
the one on the enterprise (Enterprise.responsible_official): the linkage form and import write it there, so
the registry and the linkage never disagree.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from core import excel
from enterprises.models import Enterprise
from reference.models import Industry, IndustryAuthority
from service_requests.models import DistrictLinkage, LinkageTier, LinkedOfficial

Source = LinkageTier.Source

# Roles that can stand at a tier as a person.
LINKABLE_ROLES = (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF, Role.COMMANDER)

MSG_NOT_YOUR_DISTRICT = _("只有企业所在区镇的工作人员可以维护挂钩关系。")
MSG_UNKNOWN_USER = _("找不到该用户名的工作人员(须为属地、行业主管部门或指挥部人员)。")
MSG_UNKNOWN_AUTHORITY = _("找不到该行业主管部门, 请填写部门名称或代码。")
MSG_PERSON_REQUIRED = _("这一级须挂钩到具体人员(用户名), 不能填部门。")
MSG_UNKNOWN_ENTERPRISE = _("本属地名录中没有该统一社会信用代码的企业。")
MSG_DUPLICATE_ENTERPRISE = _("与第 {row} 行的企业重复。")
MSG_NO_TIERS = _("尚未设置挂钩层级, 请联系系统管理员。")


@dataclass(frozen=True)
class Assignee:
    """Who stands at a tier: an official or a department."""

    level: int
    user: User | None = None
    authority: IndustryAuthority | None = None

    @property
    def department_id(self) -> int | None:
        if self.authority is not None:
            return self.authority.pk
        if self.user is not None and self.user.role == Role.AUTHORITY_STAFF:
            return self.user.industry_authority_id
        return None

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.display_name
        if self.authority is None:
            raise ValueError("an official is a person or an authority")
        return self.authority.name


def industry_authority_map() -> dict[str, IndustryAuthority]:
    """GB/T 4754 code (any level) -> the authority that guides it (the lowest id when several do)."""
    authorities = {a.pk: a for a in IndustryAuthority.objects.all()}
    found: dict[str, IndustryAuthority] = {}
    for code, authority_id in IndustryAuthority.industries.through.objects.order_by("industryauthority_id").values_list(
        "industry_id", "industryauthority_id"
    ):
        found.setdefault(code, authorities[authority_id])
    return found


def authority_of(industry: Industry, authorities: dict[str, IndustryAuthority]) -> IndustryAuthority | None:
    """The authority of the most specific node (class, group, division, section) that has one."""
    for code in reversed(industry.ancestor_codes):
        if code in authorities:
            return authorities[code]
    return None


class LinkageResolver:
    """Resolves tiers for many enterprises with a fixed number of queries (the escalation sweep's batches).

    The enterprises come with district, industry and responsible_official loaded."""

    def __init__(self, enterprises: Iterable[Enterprise]):
        enterprises = list(enterprises)
        self.tiers = list(LinkageTier.objects.order_by("level"))
        ids = {e.pk for e in enterprises}
        self.overrides = {
            (row.enterprise_id, row.level): row
            for row in LinkedOfficial.objects.filter(enterprise_id__in=ids).select_related("user", "authority")
        }
        district_ids = {e.district_id for e in enterprises}
        self.districts = {
            row.district_id: row
            for row in DistrictLinkage.objects.filter(district_id__in=district_ids).select_related(
                "task_force_head", "city_leader"
            )
        }
        self.authorities = industry_authority_map()

    @property
    def levels(self) -> list[int]:
        return [tier.level for tier in self.tiers]

    def tier(self, level: int) -> LinkageTier | None:
        return next((tier for tier in self.tiers if tier.level == level), None)

    def assignee(self, enterprise: Enterprise, level: int) -> Assignee | None:
        tier = self.tier(level)
        if tier is None:
            return None
        override = self.overrides.get((enterprise.pk, level))
        if override is not None and (override.authority_id or _usable(override.user)):
            return Assignee(level, user=override.user, authority=override.authority)
        return self.default(enterprise, tier)

    def default(self, enterprise: Enterprise, tier: LinkageTier) -> Assignee | None:
        user = authority = None
        if tier.source == Source.RESPONSIBLE_OFFICIAL:
            user = enterprise.responsible_official
        elif tier.source == Source.INDUSTRY_AUTHORITY:
            authority = authority_of(enterprise.industry, self.authorities)
        else:
            linkage = self.districts.get(enterprise.district_id)
            if linkage is not None:
                user = linkage.task_force_head if tier.source == Source.TASK_FORCE_HEAD else linkage.city_leader
        if authority is not None:
            return Assignee(tier.level, authority=authority)
        return Assignee(tier.level, user=user) if _usable(user) else None

    def first_from(self, enterprise: Enterprise, level: int) -> Assignee | None:
        """The first tier at or above `level` that has someone (an empty tier is passed over)."""
        for tier_level in self.levels:
            if tier_level >= level and (found := self.assignee(enterprise, tier_level)) is not None:
                return found
        return None

    def start_level(self, overreach: bool) -> int:
        """Where a new request starts: the first tier, or, for 层层加码, the industry authority's tier."""
        if overreach:
            tier = next((t for t in self.tiers if t.source == Source.INDUSTRY_AUTHORITY), None)
            if tier is not None:
                return tier.level
        return self.levels[0] if self.tiers else 1

    def chain(self, enterprise: Enterprise) -> list[tuple[LinkageTier, Assignee | None, bool]]:
        """Each tier with who stands there and whether it is the enterprise's own setting."""
        return [
            (tier, self.assignee(enterprise, tier.level), (enterprise.pk, tier.level) in self.overrides)
            for tier in self.tiers
        ]


def _usable(user: User | None) -> bool:
    return user is not None and user.is_active


def tier_one_source_is_responsible_official() -> bool:
    first = LinkageTier.objects.order_by("level").first()
    return first is not None and first.source == Source.RESPONSIBLE_OFFICIAL


# --- Maintaining the linkage ----------------------------------------------------------------------


def _require_district_staff(user: User, enterprise: Enterprise) -> None:
    if not (user.role == Role.DISTRICT_STAFF and user.district_id == enterprise.district_id):
        raise PermissionDenied(MSG_NOT_YOUR_DISTRICT)


@transaction.atomic
def linkage_set(*, enterprise: Enterprise, settings: dict[int, User | IndustryAuthority | None], set_by: User) -> None:
    """Set an enterprise's officials, tier by tier. None at a tier means the tier's default again; at the
    responsible official's tier it keeps the official the enterprise has."""
    _require_district_staff(set_by, enterprise)
    tiers = {tier.level: tier for tier in LinkageTier.objects.all()}
    for level, target in settings.items():
        tier = tiers[level]
        if isinstance(target, IndustryAuthority) and tier.source != Source.INDUSTRY_AUTHORITY:
            raise ValidationError(MSG_PERSON_REQUIRED)
        if tier.source == Source.RESPONSIBLE_OFFICIAL:
            if isinstance(target, User) and enterprise.responsible_official_id != target.pk:  # not an authority
                enterprise.responsible_official = target
                enterprise.save(update_fields=["responsible_official", "updated_at"])
            continue
        if target is None:
            LinkedOfficial.objects.filter(enterprise=enterprise, level=level).delete()
            continue
        is_user = isinstance(target, User)
        LinkedOfficial.objects.update_or_create(
            enterprise=enterprise,
            level=level,
            defaults={
                "user": target if is_user else None,
                "authority": None if is_user else target,
                "updated_by": set_by,
            },
        )


def linkable_users():
    return User.objects.filter(is_active=True, role__in=LINKABLE_ROLES)


def _tier_column(tier: LinkageTier, users: dict[str, User], authorities: dict[str, IndustryAuthority]):
    person_only = tier.source in (Source.RESPONSIBLE_OFFICIAL, Source.TASK_FORCE_HEAD, Source.CITY_LEADER)

    def parse(value):
        key = excel.parse_digits(value)
        if key in users:
            return users[key]
        if key in authorities:
            if person_only:
                raise ValidationError(MSG_PERSON_REQUIRED)
            return authorities[key]
        raise ValidationError(MSG_UNKNOWN_AUTHORITY if not person_only else MSG_UNKNOWN_USER)

    hint = _("填写用户名") if person_only else _("填写部门名称或代码, 或人员用户名")
    default = _("留空则保持现有挂钩负责人") if tier.source == Source.RESPONSIBLE_OFFICIAL else _("留空则按默认设置")
    return excel.Column(
        f"level_{tier.level}",
        f"第{tier.level}级 {tier.name}",
        required=False,
        parse=parse,
        width=22,
        help_text=f"{hint}; {default}",
    )


def linkage_import_columns() -> list[excel.Column]:
    users = {u.username: u for u in linkable_users()}
    authorities = {}
    for authority in IndustryAuthority.objects.all():
        authorities[authority.name] = authority
        authorities[authority.code] = authority
    return [
        excel.Column("credit_code", "统一社会信用代码", parse=excel.parse_digits, width=22),
        excel.Column("name", "企业名称", required=False, width=30, help_text="仅供核对, 导入时不读取"),
        *(_tier_column(tier, users, authorities) for tier in LinkageTier.objects.order_by("level")),
    ]


@dataclass
class LinkageImport:
    result: excel.ImportResult
    columns: list[excel.Column]
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def linkage_import(*, upload, imported_by: User) -> LinkageImport:
    """All-or-nothing: every row names an enterprise of the importer's district and valid officials, or
    nothing is written and the annotated workbook says what to fix."""
    if imported_by.role != Role.DISTRICT_STAFF or imported_by.district_id is None:
        raise PermissionDenied(MSG_NOT_YOUR_DISTRICT)
    columns = linkage_import_columns()
    outcome = LinkageImport(result=excel.ImportResult(), columns=columns)
    if len(columns) == 2:
        raise ValidationError(MSG_NO_TIERS)
    result = outcome.result = excel.read_rows(upload, columns, max_rows=20_000)
    codes = [row["credit_code"] for row in result.rows if row.get("credit_code")]
    enterprises = {
        e.credit_code: e for e in Enterprise.objects.filter(district_id=imported_by.district_id, credit_code__in=codes)
    }
    first_rows = excel.FirstRows()
    for row in result.rows:
        code = row.get("credit_code")
        if code is None:
            continue
        if code not in enterprises:
            result.add_error(row["_row"], "credit_code", MSG_UNKNOWN_ENTERPRISE)
        elif (earlier := first_rows.earlier(code, row["_row"])) is not None:
            result.add_error(row["_row"], "credit_code", MSG_DUPLICATE_ENTERPRISE.format(row=earlier))
    if not result.ok:
        return outcome
    levels = [int(c.key.removeprefix("level_")) for c in columns if c.key.startswith("level_")]
    with transaction.atomic():
        for row in result.rows:
            settings = {
                level: row.get(f"level_{level}") for level in levels if f"level_{level}" in result.found_columns
            }
            linkage_set(enterprise=enterprises[row["credit_code"]], settings=settings, set_by=imported_by)
    outcome.updated = len(result.rows)
    return outcome


def linkage_export_rows(enterprises, resolver: LinkageResolver):
    """The district's linkage as the import reads it: own settings filled in, defaults left blank."""
    for enterprise in enterprises:
        cells = []
        for tier in resolver.tiers:
            override = resolver.overrides.get((enterprise.pk, tier.level))
            if tier.source == Source.RESPONSIBLE_OFFICIAL:
                official = enterprise.responsible_official
                cells.append(official.username if official else None)
            elif override is None:
                cells.append(None)
            else:
                cells.append(override.user.username if override.user_id else override.authority.name)
        yield [enterprise.credit_code, enterprise.name, *cells]


# The default reading of "1311" (also written by migration 0002); loaded again where tables were emptied.
DEFAULT_TIERS = [
    (1, "属地挂钩负责人", Source.RESPONSIBLE_OFFICIAL),
    (2, "区镇复工复产专班负责人", Source.TASK_FORCE_HEAD),
    (3, "行业主管部门", Source.INDUSTRY_AUTHORITY),
    (4, "挂钩市领导", Source.CITY_LEADER),
]


def linkage_tiers_default_load() -> None:
    """The default tiers, only while there are none (administrators' edits stay)."""
    if not LinkageTier.objects.exists():
        LinkageTier.objects.bulk_create(
            [LinkageTier(level=level, name=name, source=source) for level, name, source in DEFAULT_TIERS]
        )
