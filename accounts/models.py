from typing import ClassVar, Self, cast

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.validators import validate_mobile
from reference.models import Community, District, IndustryAuthority


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业用户")
    DISTRICT_STAFF = "district_staff", _("属地工作人员")
    AUTHORITY_STAFF = "authority_staff", _("行业主管部门人员")
    CHECKPOINT_STAFF = "checkpoint_staff", _("卡口核验人员")
    COMMANDER = "commander", _("指挥部")
    ADMIN = "admin", _("系统管理员")


# The one scope field each role must have; every other scope field must be empty.
ROLE_SCOPE_FIELD: dict[str, str | None] = {
    Role.ENTERPRISE: "enterprise",
    Role.DISTRICT_STAFF: "district",
    Role.AUTHORITY_STAFF: "industry_authority",
    Role.CHECKPOINT_STAFF: "community",
    Role.COMMANDER: None,
    Role.ADMIN: None,
}
SCOPE_FIELDS = ("enterprise", "district", "industry_authority", "community")


def _role_scope_condition() -> Q:
    condition = Q()
    for role, scope_field in ROLE_SCOPE_FIELD.items():
        role_q = Q(role=role)
        for field in SCOPE_FIELDS:
            role_q &= Q(**{f"{field}__isnull": field != scope_field})
        condition |= role_q
    return condition


MSG_SCOPE_REQUIRED = _("角色为“%(role)s”的用户必须填写%(scope)s。")
MSG_SCOPE_FORBIDDEN = _("角色为“%(role)s”的用户不能填写%(scope)s。")


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.ENTERPRISE)
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机号"), max_length=11, blank=True, validators=[validate_mobile])
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    district = models.ForeignKey(
        District, verbose_name=_("所属属地"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    industry_authority = models.ForeignKey(
        IndustryAuthority,
        verbose_name=_("所属行业主管部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    community = models.ForeignKey(
        Community, verbose_name=_("所在社区(村)"), null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    password_change_required = models.BooleanField(
        _("须修改密码"), default=False, help_text=_("管理员设定或导入的初始密码, 首次登录后必须修改")
    )

    objects: "ClassVar[UserManager[Self]]" = UserManager()
    # Who changed what and when (django-simple-history): the audit page reads it.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(condition=_role_scope_condition(), name="user_role_has_exactly_its_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name or self.username} ({self.get_role_display()})"

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def scope_field(self) -> str | None:
        return ROLE_SCOPE_FIELD[self.role]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        errors = {}
        for field in SCOPE_FIELDS:
            has_value = getattr(self, f"{field}_id") is not None
            label = cast(models.Field, self._meta.get_field(field)).verbose_name  # SCOPE_FIELDS are foreign keys
            if field == self.scope_field and not has_value:
                errors[field] = MSG_SCOPE_REQUIRED % {"role": self.get_role_display(), "scope": label}
            elif field != self.scope_field and has_value:
                errors[field] = MSG_SCOPE_FORBIDDEN % {"role": self.get_role_display(), "scope": label}
        if errors:
            raise ValidationError(errors)


class Notification(models.Model):
    """A message in a user's portal inbox (decisions, reminders); e-mail goes out beside it."""

    user = models.ForeignKey(User, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.title


class SmsMessage(models.Model):
    """One text message to a mobile (accounts/sms.py): what, to whom, and how its sending went."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        CAPPED = "capped", _("超出当日上限未发")

    mobile = models.CharField(_("手机号"), max_length=11, validators=[validate_mobile])
    template = models.CharField(_("模板"), max_length=40)
    params = models.JSONField(_("模板参数"), default=dict)
    text = models.CharField(_("内容"), max_length=500)
    user = models.ForeignKey(
        User, verbose_name=_("收信账号"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    error = models.CharField(_("错误"), max_length=255, blank=True)
    gateway_id = models.CharField(_("网关流水号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    # The text as logged and shown, with a secret parameter (a pass link) masked; set by sms_deliver.
    logged_text: str

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["mobile", "created_at"], name="sms_mobile_created"),
            models.Index(fields=["created_at"], name="sms_created"),  # the retention sweep
        ]

    def __str__(self) -> str:
        return f"{self.masked_mobile} {self.template} ({self.get_status_display()})"

    @property
    def masked_mobile(self) -> str:
        return f"{self.mobile[:3]}****{self.mobile[-4:]}" if len(self.mobile) == 11 else self.mobile
