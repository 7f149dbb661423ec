from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Role
from core.pinyin import PinyinField
from core.validators import validate_mobile
from enterprises.validators import validate_credit_code


class EnterpriseQuerySet(models.QuerySet):
    def visible_to(self, user) -> "EnterpriseQuerySet":
        """The scoping rule for enterprises: one role per line, unknown or inactive users see nothing."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.ENTERPRISE:
            return self.filter(pk=user.enterprise_id)
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(district_id=user.district_id)
        if user.role == Role.AUTHORITY_STAFF:
            return self.filter(industry_in_authority_q(user.industry_authority_id))
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()


class EnterpriseOwnedQuerySet(models.QuerySet):
    """Scoping for rows that belong to an enterprise: the same rule as the registry, one role per line."""

    def visible_to(self, user):
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.ENTERPRISE:
            return self.filter(enterprise_id=user.enterprise_id)
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(enterprise__district_id=user.district_id)
        if user.role == Role.AUTHORITY_STAFF:
            return self.filter(industry_in_authority_q(user.industry_authority_id, prefix="enterprise__industry"))
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()


def industry_in_authority_q(authority_id: int, prefix: str = "industry") -> Q:
    """Enterprises whose industry falls under any node (section … class) the authority guides."""
    from reference.models import Industry

    codes = Industry.objects.filter(authorities=authority_id).values("code")
    return (
        Q(**{f"{prefix}__section__in": codes})
        | Q(**{f"{prefix}__division__in": codes})
        | Q(**{f"{prefix}__group__in": codes})
        | Q(**{f"{prefix}__code__in": codes})
    )


class Enterprise(models.Model):
    """An enterprise in the registry, keyed by its 统一社会信用代码."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待属地确认")
        ACTIVE = "active", _("已确认")
        REJECTED = "rejected", _("未通过确认")

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code])
    name = models.CharField(_("企业名称"), max_length=200)
    name_pinyin = PinyinField(_("企业名称拼音"), source="name")
    district = models.ForeignKey(
        "reference.District", verbose_name=_("属地"), on_delete=models.PROTECT, related_name="enterprises"
    )
    industry = models.ForeignKey(
        "reference.Industry",
        verbose_name=_("所属行业"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"level": "class"},
        help_text=_("国民经济行业分类(GB/T 4754-2017)小类代码"),
    )
    address = models.CharField(_("生产经营地址"), max_length=255)
    legal_representative = models.CharField(_("法定代表人"), max_length=50)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_mobile = models.CharField(_("联系人手机"), max_length=11, validators=[validate_mobile])
    headcount = models.PositiveIntegerField(_("职工总数"))
    is_above_scale = models.BooleanField(_("规上企业"), default=False)
    is_key = models.BooleanField(_("重点企业"), default=False)
    is_chain_leader = models.BooleanField(_("产业链龙头企业"), default=False)
    responsible_official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("挂钩负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_for",
        limit_choices_to={"role__in": ["district_staff", "authority_staff"]},
        help_text=_("重点企业和产业链龙头企业的联系负责人, 在工作台上看到所挂钩企业的日报"),
    )

    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    review_comment = models.CharField(_("确认意见"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EnterpriseQuerySet.as_manager()
    # Who changed what and when (django-simple-history): the audit page reads it.
    history = HistoricalRecords(excluded_fields=["updated_at", "name_pinyin"])

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业名录")
        ordering = ["name"]
        # The lists sort by (name, id): city-wide from the first index, per district from the second.
        indexes = [
            models.Index(fields=["name", "id"], name="enterprise_name_id"),
            models.Index(fields=["district", "name", "id"], name="enterprise_district_name_id"),
            # A district's active enterprises, biggest first: the district dashboard names the first ten not filed
            # or not reported today by walking this index until it has found them.
            models.Index(fields=["district", "status", "-headcount", "name", "id"], name="enterprise_district_biggest"),
        ]

    def __str__(self) -> str:
        return self.name


def key_enterprise_q(prefix: str = "") -> Q:
    """Clause 6's watched enterprises: key enterprises (重点企业) and chain leaders (产业链龙头企业), counted once."""
    return Q(**{f"{prefix}is_key": True}) | Q(**{f"{prefix}is_chain_leader": True})
