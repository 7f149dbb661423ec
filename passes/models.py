"""Worker return (clauses 7 and 9): rosters, risk areas, return passes, checks and chartered trips."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Role
from core.models import RuleList
from core.pinyin import PinyinField
from core.uploads import UploadKind, upload_path
from core.validators import validate_mobile
from enterprises.models import EnterpriseOwnedQuerySet
from reference.models import Division


class RiskLevel(models.TextChoices):
    LOW = "low", _("低风险")
    MEDIUM = "medium", _("中风险(关注地区)")
    HIGH = "high", _("高风险(重点地区)")


class RiskAreaList(RuleList):
    """One version of the risk-area list (e.g. 苏防控〔2020〕7号). Published versions are never edited."""

    class Meta(RuleList.Meta):
        verbose_name = _("风险地区名单版本")
        verbose_name_plural = _("风险地区名单版本")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="risk_list_published_has_time"
            ),
        ]


class RiskArea(models.Model):
    """A division (province, city or county) and its level; everything beneath it shares the level
    unless a more specific entry says otherwise. Divisions not listed are low risk."""

    risk_list = models.ForeignKey(
        RiskAreaList, verbose_name=_("名单版本"), on_delete=models.CASCADE, related_name="areas"
    )
    division = models.ForeignKey(Division, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("风险等级"), max_length=10, choices=RiskLevel.choices)
    note = models.CharField(_("备注"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("风险地区")
        verbose_name_plural = _("风险地区")
        ordering = ["division_id"]
        constraints = [
            models.UniqueConstraint(fields=["risk_list", "division"], name="risk_area_unique_division"),
        ]

    def __str__(self) -> str:
        return f"{self.division_id} {self.get_level_display()}"


class Worker(models.Model):
    """A worker on an enterprise's roster (员工花名册). The ID number is personal data: it is stored
    encrypted, found by a keyed digest and shown masked (see passes.personal_data)."""

    class Quarantine(models.TextChoices):
        NONE = "none", _("无需隔离")
        HOME = "home", _("居家隔离观察")
        CENTRAL = "central", _("集中隔离观察")
        ENDED = "ended", _("已解除隔离")

    class TestResult(models.TextChoices):
        NONE = "none", _("未检测")
        NEGATIVE = "negative", _("阴性")
        POSITIVE = "positive", _("阳性")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="workers"
    )
    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = PinyinField(_("姓名拼音"), source="name")
    id_number_encrypted = models.TextField(_("身份证号(加密)"), editable=False)
    id_number_digest = models.CharField(_("身份证号摘要"), max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    mobile = models.CharField(_("手机号"), max_length=11, validators=[validate_mobile])
    origin = models.ForeignKey(
        Division,
        verbose_name=_("来源地"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("出发地的县级行政区划代码(GB/T 2260)"),
    )
    arrived_on = models.DateField(_("抵昆日期"), null=True, blank=True, help_text=_("尚未返昆的留空"))
    quarantine_status = models.CharField(
        _("隔离状态"), max_length=10, choices=Quarantine.choices, default=Quarantine.NONE
    )
    quarantine_started_on = models.DateField(_("隔离开始日期"), null=True, blank=True)
    temperature = models.DecimalField(_("最近体温(℃)"), max_digits=3, decimal_places=1, null=True, blank=True)
    temperature_taken_at = models.DateTimeField(_("测温时间"), null=True, blank=True)
    test_result = models.CharField(
        _("核酸检测结果"), max_length=10, choices=TestResult.choices, default=TestResult.NONE
    )
    tested_on = models.DateField(_("核酸检测日期"), null=True, blank=True)
    residence_district = models.ForeignKey(
        "reference.District", verbose_name=_("居住地属地"), on_delete=models.PROTECT, related_name="+"
    )
    residence_community = models.ForeignKey(
        "reference.Community",
        verbose_name=_("居住社区(村)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    residence_address = models.CharField(_("居住地址"), max_length=255)
    housing_331_compliant = models.BooleanField(_("“331”整治达标房屋"), default=False)
    job = models.CharField(_("岗位"), max_length=50, blank=True)
    # Set by the enterprise from the roster; WORKER_LEFT_RETENTION_DAYS later the sweep anonymises the worker.
    left_on = models.DateField(_("离职日期"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EnterpriseOwnedQuerySet.as_manager()
    # Who changed what and when (django-simple-history): the audit page reads it.
    history = HistoricalRecords(
        excluded_fields=["id_number_encrypted", "id_number_digest", "updated_at", "name_pinyin"]
    )

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工花名册")
        ordering = ["enterprise_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "id_number_digest"], name="worker_unique_id_in_enterprise"),
            models.CheckConstraint(
                condition=Q(temperature__isnull=True) | Q(temperature_taken_at__isnull=False),
                name="worker_temperature_has_time",
            ),
            models.CheckConstraint(
                condition=Q(test_result="none") | Q(tested_on__isnull=False), name="worker_test_has_date"
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "name", "id"], name="worker_enterprise_name"),
            # The retention sweep's queue: workers who left and still carry personal data (a small index).
            models.Index(
                fields=["left_on", "id"],
                condition=Q(anonymised_at__isnull=True, left_on__isnull=False),
                name="worker_left_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id_number_masked}"


class IdNumberDisclosure(models.Model):
    """Every time a full ID number left the database: an unmasked view (with its reason) or an export."""

    class Kind(models.TextChoices):
        VIEW = "view", _("查看完整号码")
        EXPORT = "export", _("导出花名册")

    kind = models.CharField(_("方式"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    worker = models.ForeignKey(
        Worker, verbose_name=_("员工"), null=True, blank=True, on_delete=models.SET_NULL, related_name="disclosures"
    )
    worker_count = models.PositiveIntegerField(_("人数"), default=1)
    reason = models.CharField(_("事由"), max_length=255)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("身份证号查看记录")
        verbose_name_plural = _("身份证号查看记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["at"], name="id_disclosure_at")]  # the audit page and the retention sweep

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class ReturnPassQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The enterprise's own passes; its district's (issuer) and the worker's home district's; a
        community's checkpoint staff see the passes of workers living there."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.ENTERPRISE:
            return self.filter(enterprise_id=user.enterprise_id)
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(Q(issuing_district_id=user.district_id) | Q(residence_district_id=user.district_id))
        if user.role == Role.CHECKPOINT_STAFF:
            return self.filter(residence_community_id=user.community_id)
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()


class ReturnPass(models.Model):
    """A return pass (返岗员工通行证) issued by the enterprise's district for a worker living in another."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("待审核")
        REFUSED = "refused", _("不予核发")
        VALID = "valid", _("有效")
        SUSPENDED = "suspended", _("暂停使用")
        REVOKED = "revoked", _("已吊销")
        EXPIRED = "expired", _("已过期")

    OPEN_STATUSES = (Status.APPLIED, Status.VALID, Status.SUSPENDED)
    # What a checkpoint must refuse even though the signature is good; kept in the revocation set.
    BLOCKED_STATUSES = (Status.SUSPENDED, Status.REVOKED)

    number = models.CharField(_("通行证编号"), max_length=16, unique=True)
    batch = models.ForeignKey("PassBatch", verbose_name=_("申请批次"), on_delete=models.PROTECT, related_name="passes")
    worker = models.ForeignKey(Worker, verbose_name=_("员工"), on_delete=models.PROTECT, related_name="passes")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="passes"
    )
    issuing_district = models.ForeignKey(
        "reference.District", verbose_name=_("发证属地"), on_delete=models.PROTECT, related_name="+"
    )
    residence_district = models.ForeignKey(
        "reference.District", verbose_name=_("居住地属地"), on_delete=models.PROTECT, related_name="+"
    )
    residence_community = models.ForeignKey(
        "reference.Community",
        verbose_name=_("居住社区(村)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    valid_from = models.DateField(_("有效期自"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    token = models.TextField(_("签名令牌"), blank=True, editable=False)
    key_id = models.CharField(_("签名密钥编号"), max_length=16, blank=True, editable=False)
    issued_at = models.DateTimeField(_("核发时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_reason = models.CharField(_("原因"), max_length=255, blank=True, help_text=_("不予核发、暂停或吊销的原因"))
    reissue_of = models.OneToOneField(
        "self", verbose_name=_("换发自"), null=True, blank=True, on_delete=models.PROTECT, related_name="reissued_as"
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ReturnPassQuerySet.as_manager()

    class Meta:
        verbose_name = _("返岗员工通行证")
        verbose_name_plural = _("返岗员工通行证")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One pass in play per worker: applied, valid or suspended.
            models.UniqueConstraint(
                fields=["worker"],
                condition=Q(status__in=["applied", "valid", "suspended"]),
                name="return_pass_one_open_per_worker",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["applied", "refused"])
                | Q(valid_from__isnull=False, valid_until__isnull=False, issued_at__isnull=False),
                name="return_pass_issued_has_validity",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")) | Q(valid_from__isnull=True),
                name="return_pass_validity_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["issuing_district", "status"], name="return_pass_issuer_status"),
            models.Index(fields=["residence_district", "status"], name="return_pass_home_status"),
            models.Index(fields=["status", "valid_until"], name="return_pass_status_until"),
            # The dashboards count the passes issued today, per issuing district, from this index alone.
            models.Index(fields=["issued_at", "issuing_district"], name="return_pass_issued_at"),
            # The revocation rebuild re-reads the passes changed in its last minutes (passes/revocations.py).
            models.Index(fields=["updated_at"], name="return_pass_updated_at"),
        ]

    def __str__(self) -> str:
        return self.number


class PassLink(models.Model):
    """The worker's own link to their pass page, sent by text message (no account needed). Only a digest of
    its random token is stored; a new link (resent) retires the previous one, and revoking or reissuing the
    pass retires it too."""

    return_pass = models.ForeignKey(
        ReturnPass, verbose_name=_("通行证"), on_delete=models.CASCADE, related_name="links"
    )
    token_digest = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("重发人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("空表示核发时自动发送"),
    )
    sms = models.ForeignKey(
        "accounts.SmsMessage",
        verbose_name=_("短信"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    retired_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    opened_count = models.PositiveIntegerField(_("打开次数"), default=0)
    last_opened_at = models.DateTimeField(_("最近打开"), null=True, blank=True)

    class Meta:
        verbose_name = _("员工通行证链接")
        verbose_name_plural = _("员工通行证链接")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["return_pass"], condition=Q(retired_at__isnull=True), name="pass_link_one_live_per_pass"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.return_pass_id} {self.created_at:%Y-%m-%d %H:%M}"


class PassBatch(models.Model):
    """One application for passes, sent by an enterprise to its district and decided pass by pass."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="pass_batches"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("申请说明"), max_length=255, blank=True)
    # The form's one-time key (core.forms.SubmissionKeyField): a double submit finds this row instead of making another.
    submission_key = models.UUIDField(_("提交标识"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("通行证申请批次")
        verbose_name_plural = _("通行证申请批次")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "submission_key"], name="pass_batch_submitted_once"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.created_at:%Y-%m-%d %H:%M}"


class PassTally(models.Model):
    """How many passes an issuing district has in each status, kept by passes.tallies as each status changes
    (every change writes a PassEvent, and the tally follows the events), so that the dashboards read the
    counts from a few dozen rows instead of counting 400,000 passes; recounted every night as a safety net."""

    district = models.ForeignKey(
        "reference.District", verbose_name=_("签发属地"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(_("状态"), max_length=10, choices=ReturnPass.Status.choices)
    passes = models.IntegerField(_("通行证数"), default=0)

    class Meta:
        verbose_name = _("通行证状态计数")
        verbose_name_plural = _("通行证状态计数")
        constraints = [models.UniqueConstraint(fields=["district", "status"], name="pass_tally_cell")]

    def __str__(self) -> str:
        return f"{self.district_id} {self.status}: {self.passes}"


class CheckTally(models.Model):
    """Checks logged at a community's checkpoints on one day, kept by passes.tallies as the checks are stored (the
    check log's flush, an offline batch, a check written at once), so that the dashboards read a day's checks
    from a few dozen rows instead of counting the log; recounted every night as a safety net."""

    day = models.DateField(_("日期"))
    community = models.ForeignKey(
        "reference.Community", verbose_name=_("社区(村)"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    checks = models.IntegerField(_("核验次数"), default=0)

    class Meta:
        verbose_name = _("社区每日核验量")
        verbose_name_plural = _("社区每日核验量")
        constraints = [models.UniqueConstraint(fields=["day", "community"], name="check_tally_cell")]

    def __str__(self) -> str:
        return f"{self.day} {self.community_id}: {self.checks}"


class PassEvent(models.Model):
    """One step of a pass's life: who moved it, when, from what to what, and why. Never edited."""

    return_pass = models.ForeignKey(
        ReturnPass, verbose_name=_("通行证"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空表示系统自动处理"),
    )
    from_status = models.CharField(_("原状态"), max_length=10, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10)
    comment = models.CharField(_("说明"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    # The statuses' labels, set on the events pass_detail_relations lists for the timeline.
    from_label: str | Promise
    to_label: str | Promise

    class Meta:
        verbose_name = _("通行证记录")
        verbose_name_plural = _("通行证记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.return_pass_id}: {self.from_status} → {self.to_status}"


class EntranceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Checkpoint staff the entrances of their community; district staff their district's; commanders all."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.CHECKPOINT_STAFF:
            return self.filter(community_id=user.community_id)
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(community__district_id=user.district_id)
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()

    def managed_by(self, user):
        """Who adds and closes entrances: the district staff of the community's district, nobody else."""
        if not (user.is_authenticated and user.is_active) or user.role != Role.DISTRICT_STAFF:
            return self.none()
        return self.filter(community__district_id=user.district_id)


class Entrance(models.Model):
    """出入口: one named gate of a community (clause 9: add gates at the peaks). A closed entrance stays, so that
    the checks made there keep their place in the log and the figures."""

    community = models.ForeignKey(
        "reference.Community", verbose_name=_("社区(村)"), on_delete=models.PROTECT, related_name="entrances"
    )
    name = models.CharField(_("名称"), max_length=40)
    is_open = models.BooleanField(_("开放"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("添加人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    objects = EntranceQuerySet.as_manager()

    class Meta:
        verbose_name = _("出入口")
        verbose_name_plural = _("出入口")
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="entrance_unique_name")]

    def __str__(self) -> str:
        return self.name


class PassCheckQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.CHECKPOINT_STAFF:
            return self.filter(community_id=user.community_id)
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(community__district_id=user.district_id)
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()

    def at_checkpoints(self):
        """The checks made at a checkpoint: by signed-in checkpoint staff, the only users with a community.
        What the city and district figures count; a passer-by opening the QR link (no one signed in, no
        checkpoint) is logged too, but apart, so that anyone with a browser cannot inflate the figures."""
        return self.filter(community__isnull=False)


class PassCheck(models.Model):
    """One verification at a checkpoint. Written in batches from a queue (see passes.checklog), so
    `check_id` makes a redelivered batch harmless."""

    class Result(models.TextChoices):
        VALID = "valid", _("有效")
        EXPIRED = "expired", _("已过期")
        REVOKED = "revoked", _("已吊销")
        SUSPENDED = "suspended", _("暂停使用")
        INVALID = "invalid", _("无效")

    check_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    checked_at = models.DateTimeField(_("核验时间"))
    pass_number = models.CharField(_("通行证编号"), max_length=16, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices)
    community = models.ForeignKey(
        "reference.Community",
        verbose_name=_("卡口(社区)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        # pass_check_community_time serves the lookups by community: one index less to write per check.
        db_index=False,
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核验人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空表示未登录的扫码"),
    )
    # The gate the guard chose for the shift; empty for checks made before entrances existed, or off a gate.
    entrance = models.ForeignKey(
        Entrance, verbose_name=_("出入口"), null=True, blank=True, on_delete=models.PROTECT, related_name="checks"
    )

    objects = PassCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("通行证核验记录")
        verbose_name_plural = _("通行证核验记录")
        ordering = ["-checked_at", "-id"]
        indexes = [
            # With the community: the dashboards count a day's checks per community from this index alone.
            models.Index(fields=["checked_at"], include=["community"], name="pass_check_time_community"),
            models.Index(fields=["community", "checked_at"], name="pass_check_community_time"),
            models.Index(fields=["pass_number", "checked_at"], name="pass_check_number_time"),
            models.Index(fields=["entrance", "checked_at"], name="pass_check_entrance_time"),
        ]

    def __str__(self) -> str:
        return f"{self.pass_number} {self.result} {self.checked_at:%Y-%m-%d %H:%M:%S}"


class EntranceQuarter(models.Model):
    """Checks at an entrance in one quarter-hour (counted from the Unix epoch, as passes.flow_rollup.QuarterHour):
    the check log rolled up for the peak-hour figures, so that a week of millions of checks is read as a few hundred
    thousand counts. Rebuilt from the log by passes.flow_rollup (never edited otherwise)."""

    entrance = models.ForeignKey(Entrance, verbose_name=_("出入口"), on_delete=models.CASCADE, related_name="+")
    quarter = models.BigIntegerField(_("15分钟时段"))
    checks = models.PositiveIntegerField(_("核验次数"))

    class Meta:
        verbose_name = _("出入口每15分钟核验量")
        verbose_name_plural = _("出入口每15分钟核验量")
        constraints = [models.UniqueConstraint(fields=["entrance", "quarter"], name="entrance_quarter_unique")]
        indexes = [models.Index(fields=["quarter"], name="entrance_quarter_time")]

    def __str__(self) -> str:
        return f"{self.entrance_id}@{self.quarter}: {self.checks}"


class FlowRollup(models.Model):
    """How far EntranceQuarter holds the log: every quarter-hour before `until` (one row)."""

    until = models.BigIntegerField(_("已汇总至(15分钟时段)"))
    rebuilt_at = models.DateTimeField(_("汇总时间"))

    class Meta:
        verbose_name = _("出入口核验量汇总进度")
        verbose_name_plural = _("出入口核验量汇总进度")

    def __str__(self) -> str:
        return str(self.until)


class TransportRequest(models.Model):
    """A chartered point-to-point trip (点对点一站式直达) that brings workers back from a low-risk origin."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待属地确认")
        CONFIRMED = "confirmed", _("已确认, 安排中")
        ARRANGED = "arranged", _("已安排车辆")
        DECLINED = "declined", _("未予安排")
        ARRIVED = "arrived", _("已抵昆")
        CANCELLED = "cancelled", _("企业已撤回")

    OPEN_STATUSES = (Status.REQUESTED, Status.CONFIRMED, Status.ARRANGED)

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="transport_requests"
    )
    origin = models.ForeignKey(Division, verbose_name=_("出发地"), on_delete=models.PROTECT, related_name="+")
    departure_on = models.DateField(_("出发日期"))
    headcount = models.PositiveIntegerField(_("人数"))
    workers = models.ManyToManyField(Worker, verbose_name=_("乘车员工"), related_name="transport_requests", blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_mobile = models.CharField(_("联系人手机"), max_length=11, validators=[validate_mobile])
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    arrangement = models.CharField(_("车辆安排"), max_length=255, blank=True, help_text=_("车辆、车牌、集合时间地点等"))
    decision_comment = models.CharField(_("属地意见"), max_length=255, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    arrived_on = models.DateField(_("抵昆日期"), null=True, blank=True)
    risk_list = models.ForeignKey(
        RiskAreaList,
        verbose_name=_("出发地风险评估依据"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("最近一次核对出发地风险等级时在出发日期生效的名单; 空表示当时没有名单"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    # The form's one-time key (core.forms.SubmissionKeyField): a double submit finds this row instead of making another.
    submission_key = models.UUIDField(_("提交标识"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("点对点包车申请")
        verbose_name_plural = _("点对点包车申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "submission_key"], name="transport_submitted_once"),
            models.CheckConstraint(condition=Q(headcount__gte=1), name="transport_headcount_positive"),
            models.CheckConstraint(
                condition=~Q(status="arrived") | Q(arrived_on__isnull=False), name="transport_arrived_has_date"
            ),
            models.CheckConstraint(
                condition=Q(arrived_on__isnull=True) | Q(arrived_on__gte=models.F("departure_on")),
                name="transport_arrival_after_departure",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["arranged", "arrived"]) | ~Q(arrangement=""),
                name="transport_arranged_has_arrangement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.origin_id} {self.departure_on} ×{self.headcount}"


class TransportEvent(models.Model):
    """One step of a chartered trip: who moved it, when, from what to what, and why. Never edited."""

    transport_request = models.ForeignKey(
        TransportRequest, verbose_name=_("包车申请"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(_("原状态"), max_length=10, choices=TransportRequest.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=TransportRequest.Status.choices)
    comment = models.CharField(_("说明"), max_length=255, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("包车申请记录")
        verbose_name_plural = _("包车申请记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.transport_request_id}: {self.from_status} → {self.to_status}"


class RosterImport(models.Model):
    """A roster upload processed by a Celery job: its progress, and the error workbook if it failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("有错误, 未导入")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    # Both files are workbooks, stored under random names (core.uploads.upload_path reads file_kind).
    file_kind = UploadKind.XLSX
    file = models.FileField(_("文件"), upload_to=upload_path, max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    error_file = models.FileField(_("错误标注文件"), upload_to=upload_path, max_length=200, blank=True)
    message = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("花名册导入")
        verbose_name_plural = _("花名册导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.get_status_display()}"


# --- health (clause 7 day by day): readings, incidents, and why a pass is suspended -----------------


class HealthReading(models.Model):
    """One reading of a worker's health on a day (每日健康登记). A row per reading, never edited: a
    second reading that day is a second row, and yesterday's is not carried into today."""

    class TestResult(models.TextChoices):
        NONE = "none", _("未检测")
        PENDING = "pending", _("已检测, 待出结果")
        NEGATIVE = "negative", _("阴性")
        POSITIVE = "positive", _("阳性")

    class Source(models.TextChoices):
        SHEET = "sheet", _("网页登记")
        IMPORT = "import", _("Excel 导入")

    worker = models.ForeignKey(Worker, verbose_name=_("员工"), on_delete=models.PROTECT, related_name="readings")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("登记日期"))
    temperature = models.DecimalField(_("体温(℃)"), max_digits=3, decimal_places=1, null=True, blank=True)
    taken_at = models.DateTimeField(_("测温时间"), null=True, blank=True)
    symptoms = models.BooleanField(_("有发热、咳嗽等症状"), default=False)
    quarantine_ended = models.BooleanField(_("今日解除隔离"), default=False)
    test_result = models.CharField(_("核酸检测"), max_length=10, choices=TestResult.choices, default=TestResult.NONE)
    tested_on = models.DateField(_("核酸检测日期"), null=True, blank=True)
    # Fever, symptoms or a positive test, judged when recorded (the threshold is a setting that may change).
    abnormal = models.BooleanField(_("异常"), default=False)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.SHEET)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("健康登记")
        verbose_name_plural = _("健康登记")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(temperature__isnull=True) | Q(taken_at__isnull=False), name="reading_temperature_has_time"
            ),
            models.CheckConstraint(
                condition=Q(test_result="none") | Q(tested_on__isnull=False), name="reading_test_has_date"
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "day"], name="reading_enterprise_day"),
            models.Index(fields=["worker", "created_at"], name="reading_worker_created"),
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.day} {self.temperature or ''}"


class HealthIncidentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The enterprise its own workers'; district staff those of workers living in their district (who
        close them) and of their district's enterprises; commanders all, read-only."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.ENTERPRISE:
            return self.filter(enterprise_id=user.enterprise_id)
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(Q(home_district_id=user.district_id) | Q(enterprise__district_id=user.district_id))
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()


class HealthIncident(models.Model):
    """A health anomaly (健康异常事件): opened by an abnormal reading, closed by the district of the worker's
    home community with an outcome backed by evidence (a later normal reading, a negative test)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处置")
        CLOSED = "closed", _("已办结")

    class Outcome(models.TextChoices):
        NORMAL_READING = "normal_reading", _("复测体温正常, 无症状")
        NEGATIVE_TEST = "negative_test", _("核酸检测阴性")

    worker = models.ForeignKey(Worker, verbose_name=_("员工"), on_delete=models.PROTECT, related_name="incidents")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    home_district = models.ForeignKey(
        "reference.District", verbose_name=_("居住地属地"), on_delete=models.PROTECT, related_name="+"
    )
    reading = models.ForeignKey(
        HealthReading, verbose_name=_("异常登记"), on_delete=models.PROTECT, related_name="incidents_opened"
    )
    summary = models.CharField(_("异常情况"), max_length=255)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("发生时间"), auto_now_add=True)
    outcome = models.CharField(_("处置结果"), max_length=20, choices=Outcome.choices, blank=True)
    evidence = models.ForeignKey(
        HealthReading,
        verbose_name=_("依据登记"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents_closed",
    )
    note = models.CharField(_("处置说明"), max_length=255, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = HealthIncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("健康异常事件")
        verbose_name_plural = _("健康异常事件")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker"], condition=Q(status="open"), name="health_incident_one_open_per_worker"
            ),
            models.CheckConstraint(
                condition=Q(status="open")
                | (Q(closed_at__isnull=False, closed_by__isnull=False, evidence__isnull=False) & ~Q(outcome="")),
                name="health_incident_closed_has_outcome",
            ),
        ]
        indexes = [models.Index(fields=["home_district", "status"], name="health_incident_home_status")]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.summary}"


class PassSuspension(models.Model):
    """One reason a pass stands suspended. A pass is suspended exactly while it has a reason not lifted;
    it comes back when the last one is lifted. Rows are never deleted: lifted reasons are the history."""

    class Reason(models.TextChoices):
        HEALTH = "health", _("健康异常")
        RISK_AREA = "risk_area", _("来源地风险")
        MANUAL = "manual", _("属地暂停")

    return_pass = models.ForeignKey(
        ReturnPass, verbose_name=_("通行证"), on_delete=models.CASCADE, related_name="suspensions"
    )
    reason = models.CharField(_("暂停原因"), max_length=10, choices=Reason.choices)
    detail = models.CharField(_("说明"), max_length=255, blank=True)
    risk_list = models.ForeignKey(
        RiskAreaList, verbose_name=_("名单版本"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        HealthIncident,
        verbose_name=_("健康异常事件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("开始"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("解除"), null=True, blank=True)

    class Meta:
        verbose_name = _("通行证暂停原因")
        verbose_name_plural = _("通行证暂停原因")
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["return_pass", "reason"],
                condition=Q(lifted_at__isnull=True),
                name="pass_suspension_one_standing_per_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["reason"], condition=Q(lifted_at__isnull=True), name="pass_suspension_standing"),
        ]

    def __str__(self) -> str:
        return f"{self.return_pass_id} {self.reason}"


class HealthImport(models.Model):
    """A health-sheet upload processed by a Celery job (like RosterImport): progress and error workbook."""

    Status = RosterImport.Status

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("登记日期"))
    file_kind = UploadKind.XLSX
    file = models.FileField(_("文件"), upload_to=upload_path, max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("登记条数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    error_file = models.FileField(_("错误标注文件"), upload_to=upload_path, max_length=200, blank=True)
    message = models.CharField(_("说明"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("健康登记导入")
        verbose_name_plural = _("健康登记导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.day} {self.get_status_display()}"
