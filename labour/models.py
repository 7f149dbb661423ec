"""Labour supply (clause 8) and labour relations (clause 10): shortages and hires, HR agencies and their
pairings with enterprises, the "20+20" partner regions and recruitment drives, complaints about the HR
market, and labour disputes mediated at the grass roots."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.validators import validate_mobile
from enterprises.models import EnterpriseOwnedQuerySet
from enterprises.validators import validate_credit_code
from reference.models import Division

# The human-resources bureau (人社局) keeps the agency registry, hears complaints about the HR market and
# sees every shortage, pairing and dispute; reference/data/industry_authorities.csv lists it under this code.
HR_BUREAU_CODE = "rsj"


def is_hr_bureau(user) -> bool:
    return (
        getattr(user, "role", None) == Role.AUTHORITY_STAFF
        and user.industry_authority_id is not None
        and user.industry_authority.code == HR_BUREAU_CODE
    )


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


class LabourOwnedQuerySet(EnterpriseOwnedQuerySet):
    """Rows of an enterprise: the usual scoping rule, and the human-resources bureau sees all of them."""

    def visible_to(self, user):
        if _active(user) and is_hr_bureau(user):
            return self.all()
        return super().visible_to(user)


# Messages of the constraints a form may meet before the service does (labour.services.supply reuses them).
MSG_WAGE_RANGE = _("月薪下限不能高于上限。")
MSG_HIRED_ABOVE_POSITIONS = _("招聘人数不能少于已到岗人数。")


# --- Shortages (用工缺口) -----------------------------------------------------------------------------


class LabourNeed(models.Model):
    """Open positions an enterprise reports (用工缺口/招聘): a job, how many, on what terms. Hires arriving
    count down what is still open; the need closes by itself once every position is filled."""

    class Status(models.TextChoices):
        OPEN = "open", _("招聘中")
        CLOSED = "closed", _("已关闭")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="labour_needs"
    )
    job = models.CharField(_("岗位"), max_length=50)
    positions = models.PositiveIntegerField(_("招聘人数"))
    hired = models.PositiveIntegerField(_("已到岗"), default=0, editable=False)
    wage_min = models.PositiveIntegerField(_("月薪下限(元)"))
    wage_max = models.PositiveIntegerField(_("月薪上限(元)"))
    skills = models.CharField(_("技能要求"), max_length=200, blank=True)
    start_on = models.DateField(_("到岗日期"))
    housing_offered = models.BooleanField(_("提供住宿"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    close_reason = models.CharField(_("关闭原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = LabourOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("用工缺口")
        verbose_name_plural = _("用工缺口")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "status"], name="labour_need_enterprise_status"),
            models.Index(fields=["status", "-created_at", "-id"], name="labour_need_status_recent"),
            models.Index(fields=["-created_at", "-id"], name="labour_need_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(positions__gte=1), name="labour_need_positions_positive"),
            models.CheckConstraint(
                condition=Q(hired__lte=models.F("positions")),
                name="labour_need_hired_le_positions",
                violation_error_message=MSG_HIRED_ABOVE_POSITIONS,
            ),
            models.CheckConstraint(
                condition=Q(wage_min__lte=models.F("wage_max")),
                name="labour_need_wage_range",
                violation_error_message=MSG_WAGE_RANGE,
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False), name="labour_need_closed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job} ×{self.positions}"

    @property
    def open_positions(self) -> int:
        return self.positions - self.hired if self.status == self.Status.OPEN else 0


# --- HR agencies (人力资源机构) and pairings (结对) -----------------------------------------------------


class HRAgencyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The registry: the bureau, commanders and administrators see every agency; district staff the
        city-wide ones (kept by the bureau) and their own district's; nobody else reads it."""
        if not _active(user):
            return self.none()
        if is_hr_bureau(user):
            return self.all()
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(Q(district__isnull=True) | Q(district_id=user.district_id))
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()


class HRAgency(models.Model):
    """An HR service agency (人力资源机构) in the registry, kept by the human-resources bureau (city-wide,
    `district` empty) or by a district."""

    name = models.CharField(_("机构名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code])
    licence_number = models.CharField(_("人力资源服务许可证编号"), max_length=50)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_mobile = models.CharField(_("联系人手机"), max_length=11, validators=[validate_mobile])
    address = models.CharField(_("地址"), max_length=255, blank=True)
    regions = models.ManyToManyField(
        Division,
        verbose_name=_("招聘地区"),
        related_name="+",
        blank=True,
        help_text=_("机构组织招聘的来源地(GB/T 2260)"),
    )
    district = models.ForeignKey(
        "reference.District",
        verbose_name=_("登记属地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空表示由人社局登记, 全市通用"),
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = HRAgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("人力资源机构")
        verbose_name_plural = _("人力资源机构")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Pairing(models.Model):
    """A district pairs an agency with one of its enterprises (结对): the positions it covers and the hires
    it delivered (LabourHire rows that name it)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("结对中")
        ENDED = "ended", _("已结束")

    agency = models.ForeignKey(
        HRAgency, verbose_name=_("人力资源机构"), on_delete=models.PROTECT, related_name="pairings"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="labour_pairings"
    )
    needs = models.ManyToManyField(LabourNeed, verbose_name=_("对接岗位"), related_name="pairings")
    positions_covered = models.PositiveIntegerField(_("对接岗位人数"), default=0)
    hires_delivered = models.PositiveIntegerField(_("已输送到岗"), default=0, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    started_on = models.DateField(_("结对日期"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("结对人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = LabourOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = _("人力资源机构结对")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "enterprise"], condition=Q(status="active"), name="labour_pairing_one_active"
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "status"], name="labour_pairing_enterprise")]

    def __str__(self) -> str:
        return f"{self.agency} ↔ {self.enterprise}"


# --- "20+20" partner regions and recruitment drives -----------------------------------------------------


class PartnerRegion(models.Model):
    """A source region of the city's "20+20" cooperation plan (GB/T 2260); administrators keep the list."""

    division = models.OneToOneField(Division, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    is_demo = models.BooleanField(
        _("演示数据"), default=False, help_text=_("演示用名单, 不是官方“20+20”合作地区; 上线前替换")
    )

    class Meta:
        verbose_name = _("“20+20”合作地区")
        verbose_name_plural = _("“20+20”合作地区")
        ordering = ["division_id"]

    def __str__(self) -> str:
        return self.division.full_name


class DriveQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A drive belongs to the district that organises it (the bureau's are city-wide); the enterprises
        taking part see it too."""
        if not _active(user):
            return self.none()
        if is_hr_bureau(user):
            return self.all()
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(Q(district__isnull=True) | Q(district_id=user.district_id))
        if user.role == Role.ENTERPRISE:
            return self.filter(participants__enterprise_id=user.enterprise_id)
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()


class RecruitmentDrive(models.Model):
    """组织企业赴低风险地区招聘: a trip to a source region with enterprises and agencies. It can only be
    scheduled to a low-risk region, and is flagged when a later risk-area list makes the region risky."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("已安排")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    title = models.CharField(_("活动名称"), max_length=100)
    region = models.ForeignKey(Division, verbose_name=_("招聘地区"), on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        "reference.District",
        verbose_name=_("组织属地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空表示人社局组织"),
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    agencies = models.ManyToManyField(HRAgency, verbose_name=_("参与机构"), related_name="drives", blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    scheduled_under = models.ForeignKey(
        "passes.RiskAreaList",
        verbose_name=_("安排时适用的风险地区名单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    risk_flagged_at = models.DateTimeField(_("风险提示时间"), null=True, blank=True)
    risk_flag = models.CharField(_("风险提示"), max_length=255, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("组织人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = DriveQuerySet.as_manager()

    class Meta:
        verbose_name = _("招聘活动")
        verbose_name_plural = _("招聘活动")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="labour_drive_dates"),
        ]
        indexes = [models.Index(fields=["status", "starts_on"], name="labour_drive_status_start")]

    def __str__(self) -> str:
        return self.title


class DriveParticipant(models.Model):
    """An enterprise taking part in a drive: positions offered, people signed, people arrived in Kunshan
    (linked to the enterprise's roster workers where they exist)."""

    drive = models.ForeignKey(
        RecruitmentDrive, verbose_name=_("招聘活动"), on_delete=models.CASCADE, related_name="participants"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    positions_offered = models.PositiveIntegerField(_("提供岗位数"))
    signed = models.PositiveIntegerField(_("签约人数"), default=0)
    arrived = models.PositiveIntegerField(_("已抵昆人数"), default=0)
    arrived_workers = models.ManyToManyField(
        "passes.Worker", verbose_name=_("已抵昆员工"), related_name="+", blank=True
    )

    class Meta:
        verbose_name = _("参加企业")
        verbose_name_plural = _("参加企业")
        ordering = ["drive_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["drive", "enterprise"], name="labour_drive_participant_once"),
            models.CheckConstraint(condition=Q(arrived__lte=models.F("signed")), name="labour_drive_arrived_le_signed"),
        ]

    def __str__(self) -> str:
        return f"{self.drive_id} {self.enterprise_id}"


class LabourHire(models.Model):
    """People who took up a need's positions, and through which pairing or drive they came."""

    need = models.ForeignKey(LabourNeed, verbose_name=_("岗位"), on_delete=models.CASCADE, related_name="hires")
    count = models.PositiveIntegerField(_("到岗人数"))
    hired_on = models.DateField(_("到岗日期"))
    pairing = models.ForeignKey(
        Pairing, verbose_name=_("结对机构输送"), null=True, blank=True, on_delete=models.PROTECT, related_name="hires"
    )
    drive = models.ForeignKey(
        RecruitmentDrive,
        verbose_name=_("招聘活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hires",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("到岗记录")
        verbose_name_plural = _("到岗记录")
        ordering = ["hired_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="labour_hire_count_positive")]
        indexes = [models.Index(fields=["hired_on"], name="labour_hire_day")]

    def __str__(self) -> str:
        return f"{self.need_id} +{self.count} {self.hired_on}"


# --- Complaints about the HR market --------------------------------------------------------------------


class ComplaintQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The bureau handles every complaint; commanders and administrators read them; whoever reported one
        sees their own."""
        if not _active(user):
            return self.none()
        if is_hr_bureau(user) or user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.filter(reported_by_id=user.pk)


class MarketComplaint(models.Model):
    """A report against an agency or enterprise for 违法违规经营 or 哄抬价格, handled by the bureau by a deadline."""

    class Kind(models.TextChoices):
        ILLEGAL = "illegal", _("违法违规经营")
        GOUGING = "gouging", _("哄抬价格")

    class Status(models.TextChoices):
        RECEIVED = "received", _("待处理")
        HANDLING = "handling", _("处理中")
        CLOSED = "closed", _("已办结")

    class Outcome(models.TextChoices):
        SUBSTANTIATED = "substantiated", _("查实, 已处理")
        UNSUBSTANTIATED = "unsubstantiated", _("查无实据")
        REFERRED = "referred", _("移交其他部门")

    reference = models.CharField(_("投诉编号"), max_length=24, unique=True)
    kind = models.CharField(_("投诉类型"), max_length=10, choices=Kind.choices)
    agency = models.ForeignKey(
        HRAgency,
        verbose_name=_("被投诉机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("被投诉企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_name = models.CharField(_("被投诉单位名称"), max_length=200)
    description = models.TextField(_("投诉内容"))
    complainant_name = models.CharField(_("投诉人"), max_length=50)
    complainant_mobile = models.CharField(_("联系电话"), max_length=11, validators=[validate_mobile])
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空表示公众投诉"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    deadline = models.DateTimeField(_("办理期限"))
    outcome = models.CharField(_("处理结果"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("处理情况"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("投诉时间"), auto_now_add=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("人力资源市场投诉")
        verbose_name_plural = _("人力资源市场投诉")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="labour_complaint_closed_has_outcome",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="labour_complaint_queue")]

    def __str__(self) -> str:
        return self.reference


# --- Labour disputes (劳资纠纷) ------------------------------------------------------------------------


class LabourDispute(models.Model):
    """A labour dispute at an enterprise, mediated at the grass roots (协商, 调解) or referred to arbitration
    (仲裁移交). Worker names are personal data: stored, but shown masked."""

    class Kind(models.TextChoices):
        WAGES = "wages", _("工资")
        RESUMPTION = "resumption", _("复工安排")
        TERMINATION = "termination", _("解除合同")
        SOCIAL_INSURANCE = "insurance", _("社保")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        REPORTED = "reported", _("已登记")
        NEGOTIATING = "negotiating", _("协商中")
        MEDIATING = "mediating", _("调解中")
        SETTLED = "settled", _("已化解")
        REFERRED = "referred", _("已移交仲裁")

    class Source(models.TextChoices):
        DISTRICT = "district", _("属地登记")
        ENTERPRISE = "enterprise", _("企业上报")

    OPEN_STATUSES = (Status.REPORTED, Status.NEGOTIATING, Status.MEDIATING)

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="labour_disputes"
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    kind = models.CharField(_("纠纷类型"), max_length=12, choices=Kind.choices)
    workers_involved = models.PositiveIntegerField(_("涉及人数"))
    worker_names = models.TextField(_("涉及职工姓名"), blank=True, help_text=_("个人信息, 页面上只显示脱敏姓名"))
    amount = models.DecimalField(_("涉及金额(元)"), max_digits=12, decimal_places=2, default=0)
    description = models.TextField(_("纠纷情况"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REPORTED)
    deadline = models.DateTimeField(_("化解期限"))
    escalated_at = models.DateTimeField(_("上报属地负责人时间"), null=True, blank=True)
    outcome = models.TextField(_("处理结果"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = LabourOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("劳资纠纷")
        verbose_name_plural = _("劳资纠纷")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(workers_involved__gte=1), name="labour_dispute_workers_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="labour_dispute_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=["reported", "negotiating", "mediating"])
                | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="labour_dispute_closed_has_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="labour_dispute_status_deadline"),
            models.Index(fields=["enterprise", "status"], name="labour_dispute_enterprise"),
            models.Index(fields=["-created_at", "-id"], name="labour_dispute_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class DistrictHead(models.Model):
    """The district official an overdue labour dispute goes up to (属地分管负责人); kept by administrators."""

    district = models.ForeignKey(
        "reference.District", verbose_name=_("属地"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人账号"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"role": Role.DISTRICT_STAFF},
    )

    class Meta:
        verbose_name = _("属地分管负责人")
        verbose_name_plural = _("属地分管负责人(劳资纠纷超期上报)")
        constraints = [models.UniqueConstraint(fields=["district", "user"], name="labour_district_head_once")]

    def __str__(self) -> str:
        return f"{self.district} {self.user}"


# --- Events -------------------------------------------------------------------------------------------


class LabourEvent(models.Model):
    """One step in the life of a need, drive, complaint or dispute: who, when, from what to what, and why.
    Never edited. A step the system took (an escalation, a risk flag) has no actor."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("状态变更")
        HIRE = "hire", _("到岗登记")
        ESCALATION = "escalation", _("超期上报")
        RISK_FLAG = "risk_flag", _("风险提示")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.TRANSITION)
    need = models.ForeignKey(LabourNeed, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    drive = models.ForeignKey(RecruitmentDrive, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    complaint = models.ForeignKey(
        MarketComplaint, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    dispute = models.ForeignKey(LabourDispute, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(need__isnull=False, drive__isnull=True, complaint__isnull=True, dispute__isnull=True)
                    | Q(need__isnull=True, drive__isnull=False, complaint__isnull=True, dispute__isnull=True)
                    | Q(need__isnull=True, drive__isnull=True, complaint__isnull=False, dispute__isnull=True)
                    | Q(need__isnull=True, drive__isnull=True, complaint__isnull=True, dispute__isnull=False)
                ),
                name="labour_event_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}→{self.to_status}"

    def _statuses(self):
        for name, model in (
            ("need", LabourNeed),
            ("drive", RecruitmentDrive),
            ("complaint", MarketComplaint),
            ("dispute", LabourDispute),
        ):
            if getattr(self, f"{name}_id"):
                return model.Status
        return None

    def _label(self, value: str) -> str:
        statuses = self._statuses()
        return str(statuses(value).label) if value and statuses and value in statuses.values else value

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)
