"""Enterprise requests (企业诉求) answered in a closed loop through tiered linkage (分级挂钩, "1311").

A request belongs to an enterprise and sits with one owner at a time: an official (a user) or a department
(an industry authority). Its status moves only through the transition table in services.py; every move is a
ServiceRequestEvent, never edited.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.uploads import upload_path


class Category(models.TextChoices):
    LABOUR = "labour", _("用工")
    SUPPLY = "supply", _("原材料/供应链")
    LOGISTICS = "logistics", _("物流运输")
    FINANCE = "finance", _("资金/融资")
    PREVENTION = "prevention", _("防疫物资")
    POLICY = "policy", _("政策咨询")
    ACCESS = "access", _("通行/租房受限")
    OVERREACH = "overreach", _("层层加码")
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Channel(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业提出")
    PHONE = "phone", _("电话反映")
    VISIT = "visit", _("走访收集")
    CAPACITY_REPORT = "capacity", _("产能日报")
    # Clause 9: a pass holder turned away at a community, from the public page of the pass, without an account.
    PASS_HOLDER = "holder", _("持证人反映")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


# --- Tiered linkage -------------------------------------------------------------------------------


class LinkageTier(models.Model):
    """One tier of the linkage (the default reading of "1311" ships as four rows; administrators edit them)."""

    class Source(models.TextChoices):
        RESPONSIBLE_OFFICIAL = "responsible_official", _("企业挂钩负责人(企业名录中的挂钩负责人)")
        TASK_FORCE_HEAD = "task_force_head", _("区镇复工复产专班负责人")
        INDUSTRY_AUTHORITY = "industry_authority", _("所属行业的主管部门")
        CITY_LEADER = "city_leader", _("挂钩该区镇的市领导")

    level = models.PositiveSmallIntegerField(_("层级"), unique=True, help_text=_("1 为第一级, 逾期依次上升"))
    name = models.CharField(_("名称"), max_length=50)
    source = models.CharField(_("默认挂钩对象"), max_length=30, choices=Source.choices)

    class Meta:
        verbose_name = _("挂钩层级")
        verbose_name_plural = _("挂钩层级(分级挂钩默认设置)")
        ordering = ["level"]

    def __str__(self) -> str:
        return f"{self.level} · {self.name}"


class DistrictLinkage(models.Model):
    """Who stands at the district-wide tiers of a district: the task-force head and the linked city leader."""

    district = models.OneToOneField(
        "reference.District", verbose_name=_("属地"), on_delete=models.CASCADE, related_name="linkage"
    )
    task_force_head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复工复产专班负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"role": Role.DISTRICT_STAFF},
    )
    city_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("挂钩市领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"role__in": [Role.COMMANDER, Role.AUTHORITY_STAFF, Role.DISTRICT_STAFF]},
    )

    class Meta:
        verbose_name = _("区镇挂钩设置")
        verbose_name_plural = _("区镇挂钩设置")

    def __str__(self) -> str:
        return str(self.district)


class LinkedOfficialQuerySet(models.QuerySet):
    def visible_to(self, user) -> "LinkedOfficialQuerySet":
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(enterprise__district_id=user.district_id)
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()


class LinkedOfficial(models.Model):
    """An enterprise's own official (or department) at a tier, in place of the tier's default."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="linked_officials"
    )
    level = models.PositiveSmallIntegerField(_("层级"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("挂钩人员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="linked_enterprises",
    )
    authority = models.ForeignKey(
        "reference.IndustryAuthority",
        verbose_name=_("挂钩部门"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("维护人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = LinkedOfficialQuerySet.as_manager()

    class Meta:
        verbose_name = _("挂钩服务")
        verbose_name_plural = _("挂钩服务(企业单独设置)")
        ordering = ["enterprise", "level"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "level"], name="linked_official_one_per_tier"),
            models.CheckConstraint(
                condition=Q(user__isnull=False, authority__isnull=True) | Q(user__isnull=True, authority__isnull=False),
                name="linked_official_user_or_authority",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} L{self.level}: {self.user or self.authority}"


# --- Requests -------------------------------------------------------------------------------------


class ServiceRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ServiceRequestQuerySet":
        """An enterprise its own; a district its enterprises'; a department only what was routed to it (or to
        its staff member personally); commanders and administrators all. One role per line."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.ENTERPRISE:
            return self.filter(enterprise_id=user.enterprise_id)
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(Q(district_id=user.district_id) | Q(owner_user=user))
        if user.role == Role.AUTHORITY_STAFF:
            routed = ServiceRequestEvent.objects.filter(request=OuterRef("pk")).filter(
                Q(to_authority_id=user.industry_authority_id) | Q(to_user=user)
            )
            return self.filter(Exists(routed))
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()


class ServiceRequest(models.Model):
    """企业诉求: a problem an enterprise raises, owned by one official or department at a time."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待受理")
        ACCEPTED = "accepted", _("办理中")
        INFO_REQUESTED = "info_requested", _("待企业补充")
        ANSWERED = "answered", _("已答复, 待企业确认")
        REOPENED = "reopened", _("企业不认可, 重新办理")
        CLOSED = "closed", _("已办结")

    # The clock runs in these; a request in one of them past its deadline moves up a tier.
    CLOCK_RUNNING = (Status.SUBMITTED, Status.ACCEPTED, Status.REOPENED)
    OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.INFO_REQUESTED, Status.ANSWERED, Status.REOPENED)

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="service_requests"
    )
    # The enterprise's district when the request was raised: the district that follows it up and counts it.
    district = models.ForeignKey(
        "reference.District", verbose_name=_("属地"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("诉求类别"), max_length=12, choices=Category.choices)
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    title = models.CharField(_("标题"), max_length=100)
    text = models.TextField(_("诉求内容"))
    channel = models.CharField(_("来源"), max_length=10, choices=Channel.choices, default=Channel.ENTERPRISE)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空: 持证人在通行证页面反映, 没有账号"),
    )
    source_capacity_report = models.ForeignKey(
        "workforce.CapacityReport",
        verbose_name=_("来自产能日报"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)

    # The one owner: an official or a department, never both.
    tier = models.PositiveSmallIntegerField(_("当前层级"), default=1)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_service_requests",
    )
    owner_authority = models.ForeignKey(
        "reference.IndustryAuthority",
        verbose_name=_("承办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The department the request sits with (the owning department, or the owning official's), for the figures.
    department = models.ForeignKey(
        "reference.IndustryAuthority",
        verbose_name=_("所在部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # The clock: a deadline while it runs, the working time left while the enterprise is asked for more.
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    paused_remaining = models.DurationField(_("暂停时剩余办理时间"), null=True, blank=True)
    # The deadline whose lapse was last acted on: a sweep acts on one lapse once.
    last_lapse_due_at = models.DateTimeField(_("已处理的逾期"), null=True, blank=True)
    escalation_count = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    first_escalated_at = models.DateTimeField(_("首次升级时间"), null=True, blank=True)

    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    answer = models.TextField(_("答复内容"), blank=True)
    # 统一政策解读口径 (clause 3): a policy question answered by citing the city's published answer.
    cited_answer = models.ForeignKey(
        "policies.PolicyAnswer",
        verbose_name=_("引用的政策问答"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_answered_at = models.DateTimeField(_("首次答复时间"), null=True, blank=True)
    answered_on_time = models.BooleanField(_("按期答复"), null=True, blank=True)
    minutes_to_answer = models.PositiveIntegerField(_("答复用时(分钟)"), null=True, blank=True)
    confirm_due_at = models.DateTimeField(_("确认期限"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)

    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    rating = models.CharField(_("满意度"), max_length=12, choices=Rating.choices, blank=True)
    deemed_satisfied = models.BooleanField(_("视为满意"), default=False)

    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("企业诉求")
        verbose_name_plural = _("企业诉求")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The handler's queue: what an official or a department holds, earliest deadline first.
            models.Index(fields=["owner_user", "status", "due_at"], name="sr_queue_user"),
            models.Index(fields=["owner_authority", "status", "due_at"], name="sr_queue_authority"),
            # The escalation sweep reads only requests whose clock runs.
            models.Index(
                fields=["due_at"], name="sr_running_due", condition=Q(status__in=["submitted", "accepted", "reopened"])
            ),
            models.Index(fields=["confirm_due_at"], name="sr_answered_confirm", condition=Q(status="answered")),
            models.Index(fields=["district", "created_at"], name="sr_district_created"),
            models.Index(fields=["enterprise", "-created_at"], name="sr_enterprise_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_user__isnull=True) | Q(owner_authority__isnull=True), name="sr_one_owner_at_a_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False, rating__gt=""),
                name="sr_closed_has_time_and_rating",
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(confirm_due_at__isnull=False),
                name="sr_answered_has_confirm_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"SQ{self.pk:07d}" if self.pk else ""

    @property
    def owner_label(self) -> str:
        if self.owner_user is not None:
            return self.owner_user.display_name
        if self.owner_authority is not None:
            return self.owner_authority.name
        return str(_("待属地分派"))

    @property
    def is_overdue(self) -> bool:
        return self.status in self.CLOCK_RUNNING and self.due_at is not None and self.due_at < timezone.now()

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class ServiceRequestEvent(models.Model):
    """One line of a request's timeline: a transition, a routing, an escalation. Never edited."""

    request = models.ForeignKey(ServiceRequest, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空: 系统自动"),
    )
    from_status = models.CharField(_("原状态"), max_length=16, choices=ServiceRequest.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=ServiceRequest.Status.choices, blank=True)
    from_tier = models.PositiveSmallIntegerField(_("原层级"), null=True, blank=True)
    to_tier = models.PositiveSmallIntegerField(_("新层级"), null=True, blank=True)
    # Set when the request went to someone: the official or department it was routed to.
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("转至人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_authority = models.ForeignKey(
        "reference.IndustryAuthority",
        verbose_name=_("转至部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("诉求办理记录")
        verbose_name_plural = _("诉求办理记录")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["to_authority", "request"], name="sr_event_authority"),
            models.Index(fields=["to_user", "request"], name="sr_event_user"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"


class ServiceRequestAttachment(models.Model):
    """A file attached to a request, checked by content and served only through a scope-checked view."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="attachments"
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
        verbose_name = _("诉求附件")
        verbose_name_plural = _("诉求附件")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class AccessComplaint(models.Model):
    """What a pass holder turned away at a community reported (clause 9: 不得拒绝持证人员进入): the details of the
    request it raised, which sits with the district of that community."""

    request = models.OneToOneField(
        ServiceRequest, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="access_complaint"
    )
    pass_number = models.CharField(_("通行证编号"), max_length=16)
    community = models.ForeignKey(
        "reference.Community", verbose_name=_("被拒社区(村)"), on_delete=models.PROTECT, related_name="+"
    )
    entrance = models.CharField(_("出入口"), max_length=40)
    refused_at = models.DateTimeField(_("被拒时间"))
    mobile = models.CharField(_("联系手机"), max_length=11)

    class Meta:
        verbose_name = _("持证被拒反映")
        verbose_name_plural = _("持证被拒反映")

    def __str__(self) -> str:
        return f"{self.pass_number} @ {self.community_id}"


# --- Look-back (回头看) -------------------------------------------------------------------------


class LookBackDraw(models.Model):
    """One week's draw of closed requests for follow-up calls; the seed makes the sample reproducible."""

    week = models.DateField(_("周(周一)"), unique=True)
    seed = models.BigIntegerField(_("随机种子"))
    share = models.DecimalField(_("抽取比例"), max_digits=4, decimal_places=3)
    closed_count = models.PositiveIntegerField(_("本周办结"))
    unsatisfied_count = models.PositiveIntegerField(_("其中不满意"))
    sampled_count = models.PositiveIntegerField(_("随机抽取"))
    drawn_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回头看抽取")
        verbose_name_plural = _("回头看抽取")
        ordering = ["-week"]

    def __str__(self) -> str:
        return f"{self.week} seed={self.seed}"


class LookBackQuerySet(models.QuerySet):
    def visible_to(self, user) -> "LookBackQuerySet":
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(request__district_id=user.district_id)
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()


class LookBack(models.Model):
    """回头看: a closed request put to its district for a follow-up call, and what the call found."""

    class Reason(models.TextChoices):
        UNSATISFIED = "unsatisfied", _("企业不满意")
        SAMPLE = "sample", _("随机抽查")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("问题已解决")
        PERSISTS = "persists", _("问题仍未解决")
        UNREACHABLE = "unreachable", _("无法联系企业")

    draw = models.ForeignKey(
        LookBackDraw, verbose_name=_("抽取批次"), on_delete=models.PROTECT, related_name="lookbacks"
    )
    request = models.OneToOneField(
        ServiceRequest, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="lookback"
    )
    reason = models.CharField(_("抽取原因"), max_length=12, choices=Reason.choices)
    outcome = models.CharField(_("回访结果"), max_length=12, choices=Outcome.choices, blank=True)
    note = models.TextField(_("回访记录"), blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    called_at = models.DateTimeField(_("回访时间"), null=True, blank=True)

    objects = LookBackQuerySet.as_manager()

    class Meta:
        verbose_name = _("回头看")
        verbose_name_plural = _("回头看")
        ordering = ["called_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.get_reason_display()}"
