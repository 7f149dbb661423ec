"""Clauses 13 and 14 of 昆防指〔2020〕20号: pre-job training and safety education (岗前培训/安全教育), special
inspections (专项督导) with their findings and rectification, and public notices (通报) naming the units that fail.

Scoping: training sessions belong to an enterprise (the registry's rule). Inspections belong to the district of
their target (and of the round that planned them); commanders and administrators see all of it. Published notices
are city-wide: every staff account reads them; drafts are the commanders'."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.models import RuleList
from core.uploads import upload_path
from enterprises.models import EnterpriseOwnedQuerySet

if TYPE_CHECKING:
    from passes.models import Worker

# --- training (clause 13) ------------------------------------------------------------------------


class TrainingSession(models.Model):
    """A pre-job training or safety-education session an enterprise held (岗前培训/安全教育)."""

    class Kind(models.TextChoices):
        PRE_JOB = "pre_job", _("岗前培训")
        SAFETY = "safety", _("安全教育")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="training_sessions"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.PRE_JOB)
    held_on = models.DateField(_("培训日期"))
    topic = models.CharField(_("培训主题"), max_length=200)
    trainer = models.CharField(_("授课人"), max_length=50)
    attendee_count = models.PositiveIntegerField(_("参训人数"))
    attendees: "models.ManyToManyField[Worker, TrainingAttendance]" = models.ManyToManyField(
        "passes.Worker",
        verbose_name=_("参训员工"),
        blank=True,
        related_name="training_sessions",
        through="TrainingAttendance",
    )
    material = models.FileField(_("照片或签到表"), upload_to=upload_path, max_length=200, blank=True)
    file_kind = models.CharField(_("文件格式"), max_length=5, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("岗前培训与安全教育")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["enterprise", "-held_on"], name="training_enterprise_day")]
        constraints = [
            models.CheckConstraint(condition=Q(attendee_count__gte=1), name="training_has_attendees"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"


class TrainingAttendance(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendance")
    worker = models.ForeignKey("passes.Worker", on_delete=models.CASCADE, related_name="training_attendance")
    # The session's day, beside the worker: "trained since arrival" is then one indexed comparison.
    held_on = models.DateField()

    class Meta:
        verbose_name = _("参训员工")
        verbose_name_plural = _("参训员工")
        constraints = [models.UniqueConstraint(fields=["session", "worker"], name="training_attendance_once")]
        indexes = [models.Index(fields=["worker", "held_on"], name="training_worker_day")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.worker_id}"


# --- inspection checklists (versioned data) ----------------------------------------------------------


class TargetKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    COMMUNITY = "community", _("社区(村)卡口")
    DISTRICT = "district", _("区镇机关")


class Checklist(RuleList):
    """A version of the inspection checklist (督查清单): drafted, published, never edited after."""

    class Meta(RuleList.Meta):
        verbose_name = _("督查清单版本")
        verbose_name_plural = _("督查清单")


class ChecklistItem(models.Model):
    """One thing an inspector checks at a target of a kind (or at every target)."""

    checklist = models.ForeignKey(Checklist, verbose_name=_("清单版本"), on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(_("序号"))
    target_kind = models.CharField(
        _("适用对象"), max_length=10, choices=TargetKind.choices, blank=True, help_text=_("留空表示适用于所有对象")
    )
    text = models.CharField(_("检查内容"), max_length=255)
    rectify_working_days = models.PositiveSmallIntegerField(_("整改期限(工作日)"), default=3)

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        ordering = ["checklist", "number"]
        constraints = [models.UniqueConstraint(fields=["checklist", "number"], name="checklist_item_number_once")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


# --- rounds, visits, findings ----------------------------------------------------------------------


def _rounds_inspected_by(user):
    """The ids of the rounds the user inspects for: few, so `round_id IN (...)` is one hashed look-up per row."""
    return InspectionRound.inspectors.through.objects.filter(user=user).values("inspectionround_id")


class InspectionRoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Commanders and administrators: every round; district staff: their district's rounds and the command's
        rounds that visit their district or that they inspect for; everyone else: none."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        if user.role == Role.DISTRICT_STAFF:
            visits_here = InspectionVisit.objects.filter(round=OuterRef("pk"), district_id=user.district_id)
            return self.filter(
                Q(district_id=user.district_id) | Exists(visits_here) | Q(pk__in=_rounds_inspected_by(user))
            )
        return self.none()


class InspectionRound(models.Model):
    """A special inspection round (专项督导), planned by the command (no district) or by a district."""

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    title = models.CharField(_("督导名称"), max_length=200)
    district = models.ForeignKey(
        "reference.District",
        verbose_name=_("组织区镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示由指挥部组织"),
    )
    target_kind = models.CharField(_("督导对象"), max_length=10, choices=TargetKind.choices)
    checklist = models.ForeignKey(Checklist, verbose_name=_("督查清单"), on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("督导人员"), related_name="+")
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("组织人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = InspectionRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("专项督导")
        verbose_name_plural = _("专项督导")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="inspection_round_dates_in_order"
            )
        ]

    def __str__(self) -> str:
        return self.title


class InspectionVisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Commanders and administrators: all; district staff: visits in their district and those of rounds they
        inspect for; everyone else: none (an enterprise sees its findings, not the inspectors' notes)."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(Q(district_id=user.district_id) | Q(round_id__in=_rounds_inspected_by(user)))
        return self.none()


class InspectionVisit(models.Model):
    """One target of a round, and the inspector's visit to it (督查督导): each checklist item passed or failed."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("待督导")
        DONE = "done", _("已督导")

    round = models.ForeignKey(
        InspectionRound, verbose_name=_("专项督导"), on_delete=models.CASCADE, related_name="visits"
    )
    target_kind = models.CharField(_("对象类型"), max_length=10, choices=TargetKind.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    community = models.ForeignKey(
        "reference.Community",
        verbose_name=_("社区(村)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The target's district (a district office's own, an enterprise's or a community's): scope and figures.
    district = models.ForeignKey(
        "reference.District", verbose_name=_("属地"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    visited_at = models.DateTimeField(_("督导时间"), null=True, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督导人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField(_("督导意见"), blank=True)

    objects = InspectionVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("督导记录")
        verbose_name_plural = _("督导记录")
        ordering = ["-visited_at", "-pk"]
        indexes = [
            models.Index(fields=["district", "status", "visited_at"], name="visit_district_status"),
            models.Index(fields=["status", "visited_at"], name="visit_status_day"),
            models.Index(fields=["-visited_at", "-id"], name="visit_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(target_kind="enterprise", enterprise__isnull=False, community__isnull=True)
                    | Q(target_kind="community", enterprise__isnull=True, community__isnull=False)
                    | Q(target_kind="district", enterprise__isnull=True, community__isnull=True)
                ),
                name="visit_has_exactly_its_target",
            ),
            models.CheckConstraint(
                condition=Q(status="planned") | Q(visited_at__isnull=False, inspector__isnull=False),
                name="visit_done_has_time_and_inspector",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.target_name}"

    @property
    def target_name(self) -> str:
        if self.enterprise is not None:
            return self.enterprise.name
        if self.community_id:
            return str(self.community)
        return _("%(district)s机关") % {"district": self.district.name}


class VisitItemResult(models.Model):
    visit = models.ForeignKey(InspectionVisit, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, verbose_name=_("检查项"), on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("合格"))
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["item__number"]
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="visit_item_once")]

    def __str__(self) -> str:
        return f"{self.item}: {'合格' if self.passed else '不合格'}"


class VisitPhoto(models.Model):
    """A photo an inspector took at a visit, for one checklist item; served only through a scoped view."""

    visit = models.ForeignKey(InspectionVisit, on_delete=models.CASCADE, related_name="photos")
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("检查项"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("照片"), upload_to=upload_path, max_length=200)
    file_kind = models.CharField(_("文件格式"), max_length=5)
    original_name = models.CharField(_("原文件名"), max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("督导照片")
        verbose_name_plural = _("督导照片")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class FindingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """As the visits, and the enterprise a finding names sees it (it has to rectify)."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.ENTERPRISE:
            return self.filter(enterprise_id=user.enterprise_id)
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(Q(district_id=user.district_id) | Q(round_id__in=_rounds_inspected_by(user)))
        return self.none()


class Finding(models.Model):
    """A problem found at a visit, to be rectified by a deadline and checked again (复查)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        REPORTED = "reported", _("已报整改, 待复查")
        CLOSED = "closed", _("复查通过")

    visit = models.ForeignKey(
        InspectionVisit, verbose_name=_("督导记录"), on_delete=models.CASCADE, related_name="findings"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("检查项"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The visit's round, beside it: scoping by "rounds the user inspects for" and a round's count need no join.
    round = models.ForeignKey(InspectionRound, verbose_name=_("专项督导"), on_delete=models.CASCADE, related_name="+")
    description = models.TextField(_("问题描述"))
    district = models.ForeignKey(
        "reference.District", verbose_name=_("属地"), on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateTimeField(_("整改期限"))
    rectification = models.TextField(_("整改情况"), blank=True)
    rectified_at = models.DateTimeField(_("报告整改时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("复查通过时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按期整改"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("逾期上报时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("督导发现问题")
        verbose_name_plural = _("督导发现问题")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["district", "status"], name="finding_district_status"),
            models.Index(fields=["status", "deadline"], name="finding_status_deadline"),
            # The lists read findings by deadline and stop at a page.
            models.Index(fields=["deadline", "id"], name="finding_deadline"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False, on_time__isnull=False),
                name="finding_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:40]


class FindingEvent(models.Model):
    """One step of a finding: reported, accepted or reopened at re-inspection, escalated. Never edited."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空: 系统(逾期上报)"),
    )
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=10, choices=Finding.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=Finding.Status.choices)
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.action}"


# --- public notices (通报) --------------------------------------------------------------------------


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Commanders and administrators: every notice, drafts included; every other staff account: the
        published ones; enterprises: none."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        if user.role in (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF, Role.CHECKPOINT_STAFF):
            return self.filter(status=Notice.Status.PUBLISHED)
        return self.none()


class NoticeNumberCounter(models.Model):
    """The last notice number of a year, so that two approvals never share one."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Failing(models.TextChoices):
    NOT_CARRIED_OUT = "not_carried_out", _("有令不行")
    NOT_STOPPED = "not_stopped", _("有禁不止")
    PERFUNCTORY = "perfunctory", _("敷衍应付")
    POORLY_IMPLEMENTED = "poorly_implemented", _("落实不力")


class Notice(models.Model):
    """A public notice (通报) naming units and people that failed; two commanders: one drafts, another approves."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING = "pending", _("待审批")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤回")

    number = models.CharField(_("通报编号"), max_length=40, unique=True, null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    findings = models.ManyToManyField(Finding, verbose_name=_("引用的督导问题"), blank=True, related_name="notices")
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("撤回理由"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-published_at", "-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-published_at"], name="notice_status_published")]
        constraints = [
            # The two-person rule, held by the database too.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("drafted_by")),
                name="notice_approver_is_not_drafter",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["published", "withdrawn"])
                | Q(number__isnull=False, approved_by__isnull=False, published_at__isnull=False),
                name="notice_published_has_number_and_approver",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.title


class NoticeSubject(models.Model):
    """A unit or person a notice names, and for which failing."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="subjects")
    failing = models.CharField(_("问题类型"), max_length=20, choices=Failing.choices)
    district = models.ForeignKey(
        "reference.District", verbose_name=_("所在区镇"), on_delete=models.PROTECT, related_name="+"
    )
    unit_name = models.CharField(_("单位"), max_length=200)
    person_name = models.CharField(_("责任人"), max_length=50, blank=True)
    person_title = models.CharField(_("职务"), max_length=50, blank=True)
    facts = models.TextField(_("问题事实"))

    class Meta:
        verbose_name = _("通报对象")
        verbose_name_plural = _("通报对象")
        ordering = ["pk"]
        indexes = [models.Index(fields=["district"], name="notice_subject_district")]

    def __str__(self) -> str:
        return self.unit_name


class NoticeEvent(models.Model):
    """One step of a notice's workflow. Never edited."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(_("原状态"), max_length=10, choices=Notice.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=Notice.Status.choices)
    comment = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通报记录")
        verbose_name_plural = _("通报记录")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.from_status}→{self.to_status}"


class NoticeRead(models.Model):
    """Who has read a published notice, and when (first reading)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="notice_read_once")]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.user_id}"
