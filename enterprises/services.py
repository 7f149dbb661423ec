"""Writes to the enterprise registry: registration, confirmation, edits, accounts and Excel import."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import Role, User
from accounts.services import initial_password
from core import excel
from core.db import insert_or_lock
from enterprises.models import Enterprise
from enterprises.standing import standing_changed
from enterprises.validators import normalize_credit_code, validate_credit_code
from reference.models import District, Industry

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MSG_CREDIT_CODE_TAKEN = _("该统一社会信用代码已登记。如需开通账号, 请联系属地工作人员。")
MSG_CREDIT_CODE_PENDING = _("该统一社会信用代码已有待确认的注册申请, 请等待属地工作人员确认。")
MSG_USERNAME_TAKEN = _("该用户名已被使用。")
MSG_NOT_PENDING = _("只有待确认的企业注册才能确认或退回。")
MSG_REASON_REQUIRED = _("请填写退回原因。")
MSG_NOT_YOUR_DISTRICT = _("只能处理本属地的企业。")
MSG_IMPORT_DUPLICATE_IN_FILE = _("与第 {row} 行的统一社会信用代码重复。")
MSG_IMPORT_DUPLICATE_IN_REGISTRY = _("该统一社会信用代码已在企业名录中。")
MSG_IMPORT_OTHER_DISTRICT = _("只能导入本属地({district})的企业。")
MSG_UNKNOWN_DISTRICT = _("属地不存在, 请填写属地名称或代码, 如“张浦镇”。")
MSG_UNKNOWN_INDUSTRY = _("行业代码不存在, 请填写国民经济行业分类(GB/T 4754-2017)的4位小类代码。")


def _require_district_power(user: User, district_id: int) -> None:
    """Only staff of the enterprise's own district, or an administrator, may change it."""
    if user.role == Role.ADMIN:
        return
    if user.role == Role.DISTRICT_STAFF and user.district_id == district_id:
        return
    raise PermissionDenied(MSG_NOT_YOUR_DISTRICT)


@transaction.atomic
def enterprise_register(*, data: dict, username: str, password: str, email: str = "") -> Enterprise:
    """Self-registration: the enterprise and its first account wait for the district's confirmation.

    A code that was rejected before may register again; a confirmed or pending one may not.
    """
    code = normalize_credit_code(data["credit_code"])
    existing = Enterprise.objects.select_for_update().filter(credit_code=code).first()
    if existing and existing.status == Enterprise.Status.PENDING:
        raise ValidationError({"credit_code": MSG_CREDIT_CODE_PENDING})
    if existing and existing.status == Enterprise.Status.ACTIVE:
        raise ValidationError({"credit_code": MSG_CREDIT_CODE_TAKEN})
    enterprise = existing or Enterprise()
    for name, value in {**data, "credit_code": code}.items():
        setattr(enterprise, name, value)
    enterprise.status = Enterprise.Status.PENDING
    enterprise.reviewed_by = None
    enterprise.reviewed_at = None
    enterprise.review_comment = ""
    # A new code's uniqueness is decided by the insert below (a registration committing meanwhile would otherwise
    # surface as Django's generic message); a returning one is its own row.
    enterprise.full_clean(validate_unique=existing is not None)
    if existing:
        enterprise.save()
    elif not insert_or_lock(enterprise, credit_code=code)[1]:
        # The same registration sent twice at once: the first one is waiting for the district.
        raise ValidationError({"credit_code": MSG_CREDIT_CODE_PENDING})
    user = User(
        username=username,
        email=email,
        role=Role.ENTERPRISE,
        enterprise=enterprise,
        full_name=data["contact_name"],
        mobile=data["contact_mobile"],
        is_active=False,
    )
    user.set_password(password)
    # The username's uniqueness is decided by the insert below, not by a look-up that a registration committing
    # meanwhile would turn into Django's generic message: the loser of a race is told as any other taker.
    user.full_clean(validate_unique=False)
    if not insert_or_lock(user, username=username)[1]:
        raise ValidationError({"username": MSG_USERNAME_TAKEN})
    standing_changed([enterprise.pk])
    return enterprise


@transaction.atomic
def enterprise_confirm(*, enterprise: Enterprise, confirmed_by: User) -> Enterprise:
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _require_district_power(confirmed_by, enterprise.district_id)
    if enterprise.status != Enterprise.Status.PENDING:
        raise ValidationError(MSG_NOT_PENDING)
    enterprise.status = Enterprise.Status.ACTIVE
    enterprise.reviewed_by = confirmed_by
    enterprise.reviewed_at = timezone.now()
    enterprise.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    enterprise.users.filter(role=Role.ENTERPRISE).update(is_active=True)
    standing_changed([enterprise.pk])
    _notify_on_commit(enterprise)
    return enterprise


@transaction.atomic
def enterprise_reject(*, enterprise: Enterprise, rejected_by: User, reason: str) -> Enterprise:
    if not reason.strip():
        raise ValidationError(MSG_REASON_REQUIRED)
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _require_district_power(rejected_by, enterprise.district_id)
    if enterprise.status != Enterprise.Status.PENDING:
        raise ValidationError(MSG_NOT_PENDING)
    enterprise.status = Enterprise.Status.REJECTED
    enterprise.reviewed_by = rejected_by
    enterprise.reviewed_at = timezone.now()
    enterprise.review_comment = reason.strip()
    enterprise.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment", "updated_at"])
    standing_changed([enterprise.pk])
    _notify_on_commit(enterprise)
    return enterprise


def _notify_on_commit(enterprise: Enterprise) -> None:
    from enterprises.tasks import notify_registration_reviewed

    transaction.on_commit(lambda: notify_registration_reviewed.delay(enterprise.pk))


MAIL_SUBJECT_CONFIRMED = _("【昆山复工复产服务平台】企业注册已确认")
MAIL_SUBJECT_REJECTED = _("【昆山复工复产服务平台】企业注册被退回")
MAIL_BODY_CONFIRMED = _("%(name)s: %(district)s已确认贵企业的注册, 现在可以登录平台。")
MAIL_BODY_REJECTED = _("%(name)s: %(district)s退回了贵企业的注册。\n退回原因: %(reason)s\n请按原因修改后重新注册。")


def enterprise_review_notify(*, enterprise: Enterprise) -> int:
    """E-mail the outcome of the registration review to the enterprise's accounts; returns mails sent."""
    recipients = list(enterprise.users.exclude(email="").values_list("email", flat=True))
    if not recipients or enterprise.status == Enterprise.Status.PENDING:
        return 0
    if enterprise.status == Enterprise.Status.ACTIVE:
        subject = MAIL_SUBJECT_CONFIRMED
        body = MAIL_BODY_CONFIRMED % {"name": enterprise.name, "district": enterprise.district.name}
    else:
        subject = MAIL_SUBJECT_REJECTED
        body = MAIL_BODY_REJECTED % {
            "name": enterprise.name,
            "district": enterprise.district.name,
            "reason": enterprise.review_comment,
        }
    return send_mail(str(subject), body, None, recipients)


@transaction.atomic
def enterprise_save(*, enterprise: Enterprise, saved_by: User) -> Enterprise:
    """Create or update a registry entry from a validated form instance (staff only)."""
    _require_district_power(saved_by, enterprise.district_id)
    if enterprise.pk:
        original_district = (
            Enterprise.objects.select_for_update().values_list("district_id", flat=True).get(pk=enterprise.pk)
        )
        _require_district_power(saved_by, original_district)
    enterprise.full_clean()
    enterprise.save()
    standing_changed([enterprise.pk])
    return enterprise


@transaction.atomic
def enterprise_account_create(
    *, enterprise: Enterprise, username: str, full_name: str, mobile: str, created_by: User
) -> tuple[User, str]:
    """An account for an enterprise already in the registry; returns it with its one-time password."""
    _require_district_power(created_by, enterprise.district_id)
    password = initial_password()
    user = User(
        username=username,
        role=Role.ENTERPRISE,
        enterprise=enterprise,
        full_name=full_name,
        mobile=mobile,
        password_change_required=True,
        is_active=enterprise.status == Enterprise.Status.ACTIVE,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    return user, password


# --- Excel import ------------------------------------------------------------------------------


def _parse_credit_code(value) -> str:
    code = normalize_credit_code(excel.plain_text(value))
    validate_credit_code(code)
    return code


def _lookup_parser(table: dict, message: "StrOrPromise"):
    def parse(value):
        key = excel.parse_digits(value)
        if key not in table:
            raise ValidationError(message)
        return table[key]

    return parse


def enterprise_import_columns() -> list[excel.Column]:
    """The registry template's columns; the lookups are read once per import."""
    districts = {}
    for district in District.objects.all():
        districts[district.name] = district
        districts[district.code] = district
    industries = {i.code: i for i in Industry.objects.filter(level=Industry.Level.CLASS)}
    return [
        excel.Column(
            "credit_code", "统一社会信用代码", parse=_parse_credit_code, width=24, help_text="18位, 按营业执照填写"
        ),
        excel.Column("name", "企业名称", parse=excel.parse_text(200), width=36),
        excel.Column(
            "district",
            "属地",
            parse=_lookup_parser(districts, MSG_UNKNOWN_DISTRICT),
            width=14,
            help_text="区镇名称, 如“张浦镇”",
        ),
        excel.Column(
            "industry",
            "行业代码",
            parse=_lookup_parser(industries, MSG_UNKNOWN_INDUSTRY),
            width=10,
            help_text="GB/T 4754-2017 4位小类代码, 如 3670",
        ),
        excel.Column("address", "生产经营地址", parse=excel.parse_text(255), width=40),
        excel.Column("legal_representative", "法定代表人", parse=excel.parse_text(50), width=12),
        excel.Column("contact_name", "联系人", parse=excel.parse_text(50), width=12),
        excel.Column("contact_mobile", "联系人手机", parse=excel.parse_mobile, width=14, help_text="11位手机号"),
        excel.Column("headcount", "职工总数", parse=excel.parse_count, width=10),
        excel.Column(
            "is_above_scale", "规上企业", required=False, parse=excel.parse_flag, width=10, help_text="是/否, 空白为否"
        ),
        excel.Column(
            "is_key", "重点企业", required=False, parse=excel.parse_flag, width=10, help_text="是/否, 空白为否"
        ),
        excel.Column(
            "is_chain_leader",
            "产业链龙头企业",
            required=False,
            parse=excel.parse_flag,
            width=14,
            help_text="是/否, 空白为否",
        ),
    ]


@dataclass
class EnterpriseImport:
    result: excel.ImportResult
    columns: list[excel.Column]
    created: list[Enterprise] = field(default_factory=list)


def enterprise_import(*, upload, imported_by: User) -> EnterpriseImport:
    """All-or-nothing import of registry rows; on any error nothing is written.

    Raises excel.ExcelFileError for a file that cannot be read at all.
    """
    if imported_by.role not in (Role.DISTRICT_STAFF, Role.ADMIN):
        raise PermissionDenied(MSG_NOT_YOUR_DISTRICT)
    columns = enterprise_import_columns()
    result = excel.read_rows(upload, columns)
    outcome = EnterpriseImport(result=result, columns=columns)

    first_row_of_code: dict[str, int] = {}
    for row in result.rows:
        code = row.get("credit_code")
        if code is None:
            continue
        if code in first_row_of_code:
            result.add_error(
                row["_row"], "credit_code", MSG_IMPORT_DUPLICATE_IN_FILE.format(row=first_row_of_code[code])
            )
        else:
            first_row_of_code[code] = row["_row"]
        district = row.get("district")
        if imported_by.role == Role.DISTRICT_STAFF and district and district.pk != imported_by.district_id:
            own_district = imported_by.district
            if own_district is None:  # the role's check constraint rules this out
                raise PermissionDenied(MSG_NOT_YOUR_DISTRICT)
            result.add_error(row["_row"], "district", MSG_IMPORT_OTHER_DISTRICT.format(district=own_district.name))
    existing = set(
        Enterprise.objects.filter(credit_code__in=list(first_row_of_code)).values_list("credit_code", flat=True)
    )
    for row in result.rows:
        if row.get("credit_code") in existing:
            result.add_error(row["_row"], "credit_code", MSG_IMPORT_DUPLICATE_IN_REGISTRY)
    if not result.ok:
        return outcome

    enterprises = []
    for row in result.rows:
        # Empty optional cells parse to None and leave the model default (False for the flags).
        values = {k: v for k, v in row.items() if k != "_row" and v is not None}
        enterprise = Enterprise(status=Enterprise.Status.ACTIVE, **values)
        try:
            # Lookups were resolved while parsing; skip the per-row foreign-key queries.
            enterprise.clean_fields(exclude={"district", "industry"})
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                result.add_error(row["_row"], name, "; ".join(map(str, messages)))
        enterprises.append(enterprise)
    if not result.ok:
        return outcome
    with transaction.atomic():
        outcome.created = bulk_create_with_history(enterprises, Enterprise, batch_size=1000)
        standing_changed(
            Enterprise.objects.filter(credit_code__in=[e.credit_code for e in enterprises]).values_list("pk", flat=True)
        )
    return outcome


def enterprise_export_rows(enterprises):
    """Rows in the import template's column order, so an export imports back unchanged."""
    flag = excel.FLAG_TEXT
    for e in enterprises.iterator(chunk_size=2000):
        yield [
            e.credit_code,
            e.name,
            e.district.name,
            e.industry_id,
            e.address,
            e.legal_representative,
            e.contact_name,
            e.contact_mobile,
            e.headcount,
            flag[e.is_above_scale],
            flag[e.is_key],
            flag[e.is_chain_leader],
        ]


# --- Key enterprises and chain leaders (clause 6) ------------------------------------------------

# District staff and industry authorities flag the enterprises in their scope; administrators any.
FLAG_ROLES = (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF, Role.ADMIN)
MSG_FLAGS_NOT_ALLOWED = _("只有属地工作人员、行业主管部门和管理员可以标记重点企业和产业链龙头企业。")
MSG_FLAGS_OUT_OF_SCOPE = _("名录中没有该企业, 或该企业不在您的管辖范围内。")


def enterprise_flags_set(*, enterprise: Enterprise, is_key: bool, is_chain_leader: bool, set_by: User) -> Enterprise:
    """Mark or unmark an enterprise as key (重点企业) and/or chain leader (产业链龙头企业), within the actor's scope."""
    if set_by.role not in FLAG_ROLES:
        raise PermissionDenied(MSG_FLAGS_NOT_ALLOWED)
    with transaction.atomic():
        locked = Enterprise.objects.visible_to(set_by).select_for_update().filter(pk=enterprise.pk).first()
        if locked is None:
            raise PermissionDenied(MSG_FLAGS_OUT_OF_SCOPE)
        locked.is_key, locked.is_chain_leader = is_key, is_chain_leader
        locked.save(update_fields=["is_key", "is_chain_leader", "updated_at"])
        standing_changed([locked.pk])
    return locked


def enterprise_flags_columns() -> list[excel.Column]:
    return [
        excel.Column(
            "credit_code", "统一社会信用代码", parse=_parse_credit_code, width=24, help_text="18位, 企业须已在名录中"
        ),
        excel.Column("is_key", "重点企业", parse=excel.parse_flag, width=10, help_text="是/否"),
        excel.Column("is_chain_leader", "产业链龙头企业", parse=excel.parse_flag, width=14, help_text="是/否"),
    ]


@dataclass
class FlagsImport:
    result: excel.ImportResult
    columns: list[excel.Column]
    updated: int = 0


def enterprise_flags_import(*, upload, imported_by: User) -> FlagsImport:
    """All-or-nothing: every row names an enterprise in the importer's scope, or nothing changes.

    Raises excel.ExcelFileError for a file that cannot be read at all.
    """
    if imported_by.role not in FLAG_ROLES:
        raise PermissionDenied(MSG_FLAGS_NOT_ALLOWED)
    columns = enterprise_flags_columns()
    result = excel.read_rows(upload, columns)
    outcome = FlagsImport(result=result, columns=columns)
    first_row_of_code: dict[str, int] = {}
    for row in result.rows:
        code = row.get("credit_code")
        if code is None:
            continue
        if code in first_row_of_code:
            result.add_error(
                row["_row"], "credit_code", MSG_IMPORT_DUPLICATE_IN_FILE.format(row=first_row_of_code[code])
            )
        else:
            first_row_of_code[code] = row["_row"]
    if not result.ok:
        return outcome
    with transaction.atomic():
        in_scope = {
            e.credit_code: e
            for e in Enterprise.objects.visible_to(imported_by)
            .select_for_update()
            .filter(credit_code__in=list(first_row_of_code))
        }
        for row in result.rows:
            if row["credit_code"] not in in_scope:
                result.add_error(row["_row"], "credit_code", MSG_FLAGS_OUT_OF_SCOPE)
        if not result.ok:
            return outcome
        changed = []
        for row in result.rows:
            enterprise = in_scope[row["credit_code"]]
            if (enterprise.is_key, enterprise.is_chain_leader) != (row["is_key"], row["is_chain_leader"]):
                enterprise.is_key, enterprise.is_chain_leader = row["is_key"], row["is_chain_leader"]
                enterprise.updated_at = timezone.now()
                changed.append(enterprise)
        bulk_update_with_history(
            changed, Enterprise, ["is_key", "is_chain_leader", "updated_at"], batch_size=1000, default_user=imported_by
        )
        standing_changed(e.pk for e in changed)
        outcome.updated = len(changed)
    return outcome


def enterprise_flags_export_rows(enterprises):
    """The flagged enterprises in the template's order, so the export imports back unchanged."""
    flag = excel.FLAG_TEXT
    for e in enterprises.iterator(chunk_size=2000):
        yield [e.credit_code, flag[e.is_key], flag[e.is_chain_leader]]
