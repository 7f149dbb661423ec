"""Support policies (惠企政策) and their payouts (兑付), and the city's official policy answers (政策问答).

A policy is city-wide data: everyone reads the catalogue. An application belongs to an enterprise and is
routed, when it is submitted, to the departments that review it: an industry authority named by the policy
and/or the enterprise's district. Events and payouts are written once and never edited.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.uploads import upload_path


class BenefitType(models.TextChoices):
    SUBSIDY = "subsidy", _("资金补贴")
    SOCIAL_INSURANCE = "social_insurance", _("社保减免")
    TAX = "tax", _("税收减免")
    ELECTRICITY = "electricity", _("电费减免")
    RENT = "rent", _("房租减免")
    LOAN_INTEREST = "loan_interest", _("贷款贴息")
    OTHER = "other", _("其他")


class AmountRule(models.TextChoices):
    FIXED = "fixed", _("定额")
    PER_EMPLOYEE = "per_employee", _("按职工人数")
    PERCENTAGE = "percentage", _("按企业填报数额的比例")
    NONE = "none", _("不涉及资金")


CENT = Decimal("0.01")


class SupportPolicy(models.Model):
    """One entry of the catalogue: who issued it, who may apply, how much, who reviews, when it pays out."""

    title = models.CharField(_("政策名称"), max_length=200)
    issuing_body = models.CharField(_("发文单位"), max_length=100)
    document_number = models.CharField(_("文号"), max_length=100, help_text=_("如 昆政发〔2020〕5号"))
    benefit_type = models.CharField(_("支持方式"), max_length=20, choices=BenefitType.choices)
    summary = models.TextField(_("政策内容"), help_text=_("用通俗的话说明支持什么、支持多少"))
    eligibility = models.TextField(_("申报条件"), help_text=_("用通俗的话写明哪些企业可以申请"))
    materials_required = models.TextField(_("申报材料"), blank=True, help_text=_("每行一项"))

    amount_rule = models.CharField(_("金额计算方式"), max_length=20, choices=AmountRule.choices)
    amount_value = models.DecimalField(
        _("金额参数"),
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text=_("定额: 每户金额(元); 按职工人数: 每人金额(元); 按比例: 百分比(如 50 表示 50%)"),
    )
    amount_cap = models.DecimalField(_("每户上限(元)"), max_digits=14, decimal_places=2, null=True, blank=True)
    figure_label = models.CharField(
        _("企业填报的数额"), max_length=100, blank=True, help_text=_("按比例计算时企业要填的数, 如“2020年2月电费(元)”")
    )

    # Who may apply: an empty filter means everyone.
    industries = models.ManyToManyField(
        "reference.Industry",
        verbose_name=_("适用行业"),
        blank=True,
        related_name="+",
        help_text=_("可选门类、大类、中类或小类; 不选为所有行业"),
    )
    districts = models.ManyToManyField(
        "reference.District", verbose_name=_("适用区镇"), blank=True, related_name="+", help_text=_("不选为全市")
    )
    min_headcount = models.PositiveIntegerField(_("职工人数不少于"), null=True, blank=True)
    max_headcount = models.PositiveIntegerField(_("职工人数不多于"), null=True, blank=True)
    above_scale_only = models.BooleanField(_("仅限规上企业"), default=False)

    # Who reviews: the industry authorities named here (the one guiding the enterprise's industry, else the
    # first) and/or the enterprise's district.
    reviewing_authorities = models.ManyToManyField(
        "reference.IndustryAuthority", verbose_name=_("审核部门(行业主管部门)"), blank=True, related_name="+"
    )
    reviewed_by_district = models.BooleanField(_("由企业所在区镇审核"), default=False)

    scheduled_payout_on = models.DateField(
        _("计划兑付日期"), null=True, blank=True, help_text=_("早于此日期兑付的计为“提前兑付”")
    )
    accepts_applications = models.BooleanField(_("正在受理"), default=True)
    is_demo = models.BooleanField(_("演示数据"), default=False, help_text=_("演示用条目, 不是正式文件的内容"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("惠企政策")
        verbose_name_plural = _("惠企政策")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_headcount__isnull=True)
                | Q(min_headcount__isnull=True)
                | Q(max_headcount__gte=models.F("min_headcount")),
                name="policy_headcount_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def materials_list(self) -> list[str]:
        return [line.strip() for line in self.materials_required.splitlines() if line.strip()]

    @property
    def pays_money(self) -> bool:
        return self.amount_rule != AmountRule.NONE

    def amount_for(self, *, headcount: int | None, figure: Decimal | None) -> Decimal | None:
        """What the rule gives for the figures the enterprise states, capped; None when the rule needs a figure
        that is missing or pays no money."""
        if self.amount_rule == AmountRule.FIXED:
            amount = self.amount_value
        elif self.amount_rule == AmountRule.PER_EMPLOYEE:
            if headcount is None:
                return None
            amount = self.amount_value * headcount
        elif self.amount_rule == AmountRule.PERCENTAGE:
            if figure is None:
                return None
            amount = figure * self.amount_value / 100
        else:
            return None
        if self.amount_cap is not None:
            amount = min(amount, self.amount_cap)
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class PolicyApplicationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PolicyApplicationQuerySet":
        """An enterprise its own; an industry authority what was routed to it; a district its enterprises';
        commanders and administrators all (read-only for commanders). One role per line."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.ENTERPRISE:
            return self.filter(enterprise_id=user.enterprise_id)
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(district_id=user.district_id)
        if user.role == Role.AUTHORITY_STAFF:
            return self.filter(reviewing_authority_id=user.industry_authority_id)
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()


class PolicyApplication(models.Model):
    """An enterprise's application (申请) for a support policy, and its review and payout (兑付)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("退回补正")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("不予支持")
        PAID = "paid", _("已兑付")

    OPEN_STATUSES = (Status.SUBMITTED, Status.RETURNED, Status.APPROVED)

    policy = models.ForeignKey(
        SupportPolicy, verbose_name=_("政策"), on_delete=models.PROTECT, related_name="applications"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="policy_applications"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)

    # Routed when submitted: the enterprise's district (which always sees it) and the reviewing authority.
    district = models.ForeignKey(
        "reference.District", verbose_name=_("属地"), on_delete=models.PROTECT, related_name="+"
    )
    reviewing_authority = models.ForeignKey(
        "reference.IndustryAuthority",
        verbose_name=_("审核部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    routed_to_district = models.BooleanField(_("属地审核"), default=False)

    # What the enterprise states.
    stated_headcount = models.PositiveIntegerField(_("职工人数"), null=True, blank=True)
    stated_figure = models.DecimalField(_("填报数额"), max_digits=14, decimal_places=2, null=True, blank=True)
    requested_amount = models.DecimalField(
        _("按政策测算金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    statement = models.TextField(_("申请说明"), blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True)
    account_name = models.CharField(_("账户名称"), max_length=200, blank=True)
    account_number = models.CharField(_("银行账号"), max_length=32, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_mobile = models.CharField(_("联系人手机"), max_length=11)

    submitted_at = models.DateTimeField(_("首次提交时间"))
    resubmitted_at = models.DateTimeField(_("最近提交时间"), null=True, blank=True)
    review_deadline = models.DateTimeField(_("审核期限"))
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
    approved_amount = models.DecimalField(_("核定金额(元)"), max_digits=14, decimal_places=2, null=True, blank=True)

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PolicyApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("惠企政策申请")
        verbose_name_plural = _("惠企政策申请")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "submitted_at", "id"], name="policy_app_queue"),
            models.Index(fields=["district", "status", "submitted_at", "id"], name="policy_app_district_queue"),
            models.Index(
                fields=["reviewing_authority", "status", "submitted_at", "id"], name="policy_app_authority_queue"
            ),
            models.Index(fields=["enterprise", "-submitted_at"], name="policy_app_enterprise"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "policy"],
                condition=Q(status__in=["submitted", "returned", "approved"]),
                name="policy_app_one_open_per_enterprise_and_policy",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid"]) | Q(approved_amount__isnull=False),
                name="policy_app_approved_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted"]) | Q(decided_at__isnull=False),
                name="policy_app_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.policy}"

    @property
    def account_masked(self) -> str:
        return mask_account(self.account_number)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


def mask_account(number: str) -> str:
    """A bank account shown in lists: only its last four digits."""
    return f"**** {number[-4:]}" if number else ""


class PolicyApplicationMaterial(models.Model):
    """An uploaded document of an application, stored under a random name and served through a scoped view."""

    application = models.ForeignKey(
        PolicyApplication, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="materials"
    )
    file = models.FileField(_("文件"), upload_to=upload_path, max_length=200)
    file_kind = models.CharField(_("文件格式"), max_length=5)
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小(字节)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class PolicyApplicationEvent(models.Model):
    """One line of an application's timeline. Never edited."""

    application = models.ForeignKey(
        PolicyApplication, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(_("原状态"), max_length=10, choices=PolicyApplication.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=PolicyApplication.Status.choices)
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请记录")
        verbose_name_plural = _("申请记录")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.from_status}→{self.to_status}"


class Payout(models.Model):
    """The money reaching the enterprise (兑付). Paid before the policy's scheduled date: 提前兑付."""

    application = models.OneToOneField(
        PolicyApplication, verbose_name=_("申请"), on_delete=models.PROTECT, related_name="payout"
    )
    paid_on = models.DateField(_("兑付日期"))
    amount = models.DecimalField(_("兑付金额(元)"), max_digits=14, decimal_places=2)
    voucher_number = models.CharField(_("凭证号"), max_length=50)
    # Written with the payout so that a later change to the policy leaves the count of early payouts alone.
    scheduled_on = models.DateField(_("计划兑付日期"), null=True, blank=True)
    is_early = models.BooleanField(_("提前兑付"), default=False)
    days_to_payout = models.PositiveIntegerField(_("申请至兑付天数"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("兑付记录")
        verbose_name_plural = _("兑付记录")
        ordering = ["-paid_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_number} {self.amount}"


# --- 统一政策解读口径: the city's official answers -------------------------------------------


class AnswerTopic(models.TextChoices):
    FILINGS = "filings", _("复工复产备案")
    PASSES = "passes", _("返岗人员与通行证")
    REQUESTS = "requests", _("企业诉求")
    POLICIES = "policies", _("惠企政策")
    WORKFORCE = "workforce", _("用工与日报")
    OTHER = "other", _("其他")


class PolicyAnswerQuerySet(models.QuerySet):
    def published(self) -> "PolicyAnswerQuerySet":
        return self.filter(status=PolicyAnswer.Status.PUBLISHED)


class PolicyAnswer(models.Model):
    """An official answer (政策问答) as one stable item that others cite; its text lives in versions. A revision
    adds a version and keeps the earlier ones; a withdrawn answer stays readable and says so."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("现行有效")
        WITHDRAWN = "withdrawn", _("已撤回")

    topic = models.CharField(_("类别"), max_length=20, choices=AnswerTopic.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    current = models.OneToOneField(
        "PolicyAnswerVersion", verbose_name=_("现行版本"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_reason = models.TextField(_("撤回原因"), blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("首次发布时间"), auto_now_add=True)

    objects = PolicyAnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("政策问答")
        verbose_name_plural = _("政策问答")
        ordering = ["topic", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="published") | Q(withdrawn_at__isnull=False), name="policy_answer_withdrawn_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.current.question if self.current is not None else f"#{self.pk}"

    def get_absolute_url(self) -> str:
        """The public page of the answer, for a reply that cites it."""
        return reverse("policies:answer", args=[self.pk])

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN


class PolicyAnswerVersion(models.Model):
    """One published wording of an answer. Never edited: a revision is a new version."""

    answer = models.ForeignKey(PolicyAnswer, verbose_name=_("问答"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    question = models.CharField(_("问题"), max_length=300)
    body = models.TextField(_("解答"))
    source_document = models.CharField(
        _("依据文件"), max_length=200, help_text=_("文号及条款, 如 昆防指〔2020〕20号 第四条")
    )
    change_note = models.CharField(_("修订说明"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("政策问答版本")
        verbose_name_plural = _("政策问答版本")
        ordering = ["answer", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "number"], name="policy_answer_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.question} (第{self.number}版)"
