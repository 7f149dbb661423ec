from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Role
from core.uploads import upload_path
from core.validators import validate_mobile
from enterprises.models import EnterpriseOwnedQuerySet
from negative_list.models import ResumptionScope


class FilingQuerySet(EnterpriseOwnedQuerySet):
    def visible_to(self, user) -> "FilingQuerySet":
        """As every enterprise-owned row, except that a draft is its enterprise's own until it is sent."""
        visible = super().visible_to(user)
        if getattr(user, "role", None) == Role.ENTERPRISE:
            return visible
        return visible.exclude(status=Filing.Status.DRAFT)


class FilingReferenceCounter(models.Model):
    """The last reference number handed out on a day, so concurrent submissions never share one."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Filing(models.Model):
    """A resumption filing (复工复产备案): the enterprise's materials, submitted to its district."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已备案, 待审核")
        RETURNED = "returned", _("退回修改")
        APPROVED = "approved", _("审核通过")
        REJECTED = "rejected", _("不予通过")

    class Canteen(models.TextChoices):
        NONE = "none", _("无食堂")
        CLOSED = "closed", _("食堂暂不开放")
        STAGGERED = "staggered", _("错峰分餐就餐")
        PACKED = "packed", _("盒饭分散就餐")

    OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.RETURNED)

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="filings"
    )
    reference = models.CharField(_("备案编号"), max_length=24, unique=True, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)

    # Step 1: what is asked for.
    scope_work = models.BooleanField(_("复工"), default=False)
    scope_production = models.BooleanField(_("复产"), default=False)
    scope_business = models.BooleanField(_("复市"), default=False)
    planned_resume_on = models.DateField(_("计划复工日期"), null=True, blank=True)
    planned_headcount = models.PositiveIntegerField(_("计划到岗人数"), null=True, blank=True)

    # Step 2: prevention measures and contact.
    masks_in_stock = models.PositiveIntegerField(_("口罩储备(只)"), null=True, blank=True)
    thermometers_in_stock = models.PositiveIntegerField(_("体温计储备(支)"), null=True, blank=True)
    has_disinfection = models.BooleanField(_("落实每日消毒"), default=False)
    has_isolation_room = models.BooleanField(_("设置临时隔离室"), default=False)
    canteen = models.CharField(_("食堂安排"), max_length=10, choices=Canteen.choices, blank=True)
    has_shuttle = models.BooleanField(_("安排通勤班车"), default=False)
    measures_notes = models.TextField(_("其他防控措施"), blank=True)
    contact_name = models.CharField(_("防控联系人"), max_length=50, blank=True)
    contact_mobile = models.CharField(_("联系人手机"), max_length=11, blank=True, validators=[validate_mobile])
    commitment_accepted = models.BooleanField(_("已阅读并承诺落实防控主体责任"), default=False)

    # Submission and decision.
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    review_deadline = models.DateTimeField(_("审核期限"), null=True, blank=True)
    submitted_under = models.ForeignKey(
        "negative_list.NegativeList",
        verbose_name=_("提交时适用的负面清单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_comment = models.TextField(_("审核意见"), blank=True)
    # The general comment of the last return (beside the reasons on each material): the enterprise answers it
    # when it resubmits. Cleared on resubmission.
    return_comment = models.TextField(_("退回修改的总体意见"), blank=True)
    decided_under = models.ForeignKey(
        "negative_list.NegativeList",
        verbose_name=_("审核时适用的负面清单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # What the enterprise reports once it has actually resumed.
    resumed_work_on = models.DateField(_("实际复工日期"), null=True, blank=True)
    resumed_production_on = models.DateField(_("实际复产日期"), null=True, blank=True)
    resumed_business_on = models.DateField(_("实际复市日期"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = FilingQuerySet.as_manager()
    # Who changed what and when (django-simple-history): the audit page reads it.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("复工复产备案")
        verbose_name_plural = _("复工复产备案")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "submitted_at", "id"], name="filing_queue"),
            # The city-wide queue without a status filter reads this in order and stops at a page.
            models.Index(fields=["submitted_at", "id"], name="filing_submitted"),
            models.Index(fields=["enterprise", "-created_at"], name="filing_enterprise_recent"),
            # A district's filings waiting for review and how many are overdue, counted from this index alone.
            models.Index(
                fields=["enterprise"],
                include=["review_deadline", "id"],
                condition=Q(status="submitted"),
                name="filing_waiting_review",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(status__in=["draft", "submitted", "returned"]),
                name="filing_one_open_per_enterprise",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(reference__isnull=False, submitted_at__isnull=False),
                name="filing_submitted_has_reference",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "rejected"]) | Q(decided_at__isnull=False),
                name="filing_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or _("备案草稿 #%(pk)s") % {"pk": self.pk}

    @property
    def scopes(self) -> list[str]:
        return [scope for scope in ResumptionScope.values if getattr(self, f"scope_{scope}")]

    @property
    def scope_labels(self) -> list[str | Promise]:
        return [ResumptionScope(scope).label for scope in self.scopes]

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def is_in_effect(self) -> bool:
        """备案即复工: a submitted filing lets the enterprise resume while it is reviewed."""
        return self.status in (self.Status.SUBMITTED, self.Status.APPROVED)


class FilingMaterial(models.Model):
    """An uploaded document of a filing, stored under a random name and served only through a scoped view."""

    class Kind(models.TextChoices):
        PREVENTION_PLAN = "prevention_plan", _("疫情防控方案")
        COMMITMENT_LETTER = "commitment_letter", _("复工复产承诺书(签字盖章)")
        EMERGENCY_PLAN = "emergency_plan", _("应急处置预案")
        ROSTER = "roster", _("员工花名册")
        SUPPLIES_LIST = "supplies_list", _("防疫物资清单")

    filing = models.ForeignKey(Filing, verbose_name=_("备案"), on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(_("材料类型"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=upload_path, max_length=200)
    file_kind = models.CharField(_("文件格式"), max_length=5)
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小(字节)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    return_reason = models.CharField(_("退回原因"), max_length=255, blank=True)
    # Uploaded again after the filing was returned with a reason on this material; the reason stays beside it
    # until the filing is resubmitted, so the enterprise still sees what it answered.
    replaced_after_return = models.BooleanField(_("退回后已重新上传"), default=False)

    class Meta:
        verbose_name = _("备案材料")
        verbose_name_plural = _("备案材料")
        ordering = ["kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["filing", "kind"], name="filing_material_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def awaits_replacement(self) -> bool:
        """Returned with a reason and not uploaded again since."""
        return bool(self.return_reason) and not self.replaced_after_return


class FilingEvent(models.Model):
    """One line of a filing's timeline: a transition or a guidance comment. Never edited."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("状态变更")
        GUIDANCE = "guidance", _("行业指导意见")

    filing = models.ForeignKey(Filing, verbose_name=_("备案"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.TRANSITION)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(_("原状态"), max_length=10, choices=Filing.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=Filing.Status.choices, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("备案记录")
        verbose_name_plural = _("备案记录")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.filing} {self.from_status}→{self.to_status}"
