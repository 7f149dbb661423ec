"""Writes to accounts: notices, staff import from Excel and the first-login password change."""

import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Notification, Role, User
from core import excel
from reference.models import Community, District, IndustryAuthority

MSG_UNKNOWN_ROLE = _("角色不存在, 请填写: {roles}。")
MSG_UNKNOWN_SCOPE = _("找不到该{label}, 请填写名称或代码。")
MSG_USERNAME_TAKEN = _("用户名已存在。")
MSG_USERNAME_DUPLICATE_IN_FILE = _("与第 {row} 行的用户名重复。")


def initial_password() -> str:
    """A one-time password that the user must change at first login."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(12))


def user_password_changed(*, user: User) -> None:
    if user.password_change_required:
        user.password_change_required = False
        user.save(update_fields=["password_change_required"])


def notify(*, users: Iterable[User], title: str, body: str = "", url: str = "", email: bool = False) -> int:
    """A portal notice (站内通知) to each user, and, when asked, e-mail to those with an address once the
    transaction commits. Returns the number of notices written."""
    users = list(users)
    Notification.objects.bulk_create(
        [Notification(user=user, title=str(title), body=str(body), url=url) for user in users], batch_size=2000
    )
    emails = [user.email for user in users if user.email] if email else []
    if emails:
        from accounts.tasks import send_notification_mail

        subject, text = str(title), str(body or title)
        transaction.on_commit(lambda: send_notification_mail.delay(subject, text, emails))
    return len(users)


def notify_each(notices: Iterable[tuple[User, str, str, str]]) -> int:
    """Portal notices that differ per recipient, as (user, title, body, url), written in one go: the batch form
    of `notify` for sweeps that tell thousands of people different things (no e-mail)."""
    rows = [Notification(user=user, title=str(title), body=str(body), url=url) for user, title, body, url in notices]
    Notification.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def notification_mark_all_read(*, user: User) -> int:
    return user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())


def _by_name_or_code(model) -> dict:
    table = {}
    for obj in model.objects.all():
        table[obj.name] = obj
        table[obj.code] = obj
    return table


def _lookup(table: dict, message: str):
    def parse(value):
        key = str(value).strip()
        if key not in table:
            raise ValidationError(message)
        return table[key]

    return parse


def _parse_role(value) -> str:
    by_label = {str(label): role for role, label in Role.choices if role != Role.ENTERPRISE}
    key = str(value).strip()
    if key in by_label:
        return by_label[key]
    if key in by_label.values():
        return key
    raise ValidationError(MSG_UNKNOWN_ROLE.format(roles="、".join(by_label)))


def staff_import_columns() -> list[excel.Column]:
    communities = {}
    for c in Community.objects.select_related("district"):
        communities[c.code] = c
        communities[f"{c.district.name}{c.name}"] = c
    return [
        excel.Column("username", "用户名", width=16, help_text="登录名, 字母数字"),
        excel.Column("full_name", "姓名", width=12),
        excel.Column(
            "role",
            "角色",
            parse=_parse_role,
            width=16,
            help_text="属地工作人员/行业主管部门人员/卡口核验人员/指挥部/系统管理员",
        ),
        excel.Column("mobile", "手机号", parse=excel.parse_mobile, width=14),
        excel.Column("email", "电子邮箱", required=False, width=24),
        excel.Column(
            "district",
            "属地",
            required=False,
            parse=_lookup(_by_name_or_code(District), MSG_UNKNOWN_SCOPE.format(label="属地")),
            width=14,
            help_text="属地工作人员必填",
        ),
        excel.Column(
            "industry_authority",
            "行业主管部门",
            required=False,
            parse=_lookup(_by_name_or_code(IndustryAuthority), MSG_UNKNOWN_SCOPE.format(label="行业主管部门")),
            width=16,
            help_text="行业主管部门人员必填",
        ),
        excel.Column(
            "community",
            "社区(村)",
            required=False,
            parse=_lookup(communities, MSG_UNKNOWN_SCOPE.format(label="社区(村)")),
            width=20,
            help_text="卡口核验人员必填, 填社区代码或“属地名+社区名”",
        ),
    ]


@dataclass
class StaffImport:
    result: excel.ImportResult
    columns: list[excel.Column]
    created: list[tuple[User, str]] = field(default_factory=list)


def staff_import(*, upload) -> StaffImport:
    """All-or-nothing import of staff accounts, each with a one-time password to hand out."""
    columns = staff_import_columns()
    result = excel.read_rows(upload, columns)
    outcome = StaffImport(result=result, columns=columns)
    first_row: dict[str, int] = {}
    for row in result.rows:
        username = row.get("username")
        if username in first_row:
            result.add_error(row["_row"], "username", MSG_USERNAME_DUPLICATE_IN_FILE.format(row=first_row[username]))
        elif username:
            first_row[username] = row["_row"]
    taken = set(User.objects.filter(username__in=list(first_row)).values_list("username", flat=True))
    for row in result.rows:
        if row.get("username") in taken:
            result.add_error(row["_row"], "username", MSG_USERNAME_TAKEN)

    # Build and validate every account before writing any, so a bad row leaves nothing behind.
    rows_with_errors = {error.row for error in result.errors}
    column_keys = {column.key for column in columns}
    pending: list[tuple[User, str]] = []
    for row in result.rows:
        if row["_row"] in rows_with_errors:
            continue
        user, password = _staff_user(row)
        try:
            user.full_clean(validate_unique=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = name if name in column_keys else None
                result.add_error(row["_row"], column, "; ".join(map(str, messages)))
        pending.append((user, password))
    if not result.ok:
        return outcome
    with transaction.atomic():
        for user, _password in pending:
            user.save()
    outcome.created = pending
    return outcome


def _staff_user(row: dict) -> tuple[User, str]:
    role = row["role"]
    password = initial_password()
    user = User(
        username=row["username"],
        full_name=row["full_name"],
        role=role,
        mobile=row["mobile"],
        email=row.get("email") or "",
        district=row.get("district"),
        industry_authority=row.get("industry_authority"),
        community=row.get("community"),
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
        password_change_required=True,
    )
    user.set_password(password)
    return user, password
