from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from enterprises.models import EnterpriseOwnedQuerySet


class WorkforceReport(models.Model):
    """用工情况日报: one per enterprise per local day."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="workforce_reports"
    )
    day = models.DateField(_("日期"))
    total_employees = models.PositiveIntegerField(_("职工总数"))
    returned = models.PositiveIntegerField(_("累计返昆人数"))
    on_duty = models.PositiveIntegerField(_("今日在岗人数"))
    away_high = models.PositiveIntegerField(_("未返昆: 高风险地区"))
    away_medium = models.PositiveIntegerField(_("未返昆: 中风险地区"))
    away_low = models.PositiveIntegerField(_("未返昆: 低风险地区"))
    in_quarantine = models.PositiveIntegerField(_("隔离观察人数"))
    returned_today = models.PositiveIntegerField(_("今日返昆人数"))
    returned_today_high = models.PositiveIntegerField(_("今日返昆: 来自高风险地区"))
    returned_today_medium = models.PositiveIntegerField(_("今日返昆: 来自中风险地区"))
    is_late = models.BooleanField(_("迟报"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("填报时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("用工情况日报")
        verbose_name_plural = _("用工情况日报")
        ordering = ["-day", "enterprise_id"]
        indexes = [models.Index(fields=["day", "enterprise"], name="workforce_report_day")]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "day"], name="workforce_report_one_per_day"),
            models.CheckConstraint(condition=Q(on_duty__lte=F("returned")), name="workforce_on_duty_le_returned"),
            models.CheckConstraint(condition=Q(returned__lte=F("total_employees")), name="workforce_returned_le_total"),
            models.CheckConstraint(
                condition=Q(away_high=F("total_employees") - F("returned") - F("away_medium") - F("away_low")),
                name="workforce_away_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(in_quarantine__lte=F("returned")), name="workforce_quarantine_le_returned"
            ),
            models.CheckConstraint(condition=Q(returned_today__lte=F("returned")), name="workforce_today_le_returned"),
            models.CheckConstraint(
                condition=Q(returned_today__gte=F("returned_today_high") + F("returned_today_medium")),
                name="workforce_today_by_risk_le_today",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.day}"


class CapacityReport(models.Model):
    """产能恢复情况: reported by above-scale enterprises (clause 5)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="capacity_reports"
    )
    day = models.DateField(_("日期"))
    capacity_percent = models.DecimalField(_("产能利用率(%)"), max_digits=5, decimal_places=1)
    staff_on_site = models.PositiveIntegerField(_("在岗人数"))
    electricity_kwh = models.DecimalField(_("当日用电量(千瓦时)"), max_digits=12, decimal_places=1)
    electricity_kwh_last_year = models.DecimalField(
        _("去年同日用电量(千瓦时)"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    orders_on_hand = models.DecimalField(_("在手订单(万元)"), max_digits=12, decimal_places=1)
    blockers = models.TextField(_("影响达产满产的问题"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("填报时间"))
    # The enterprise's standing, joined on the enterprise (no column of its own): the dashboards read the reports of
    # the active above-scale enterprises with their district and flags from it, without joining the registry.
    standing = models.ForeignObject(
        "workforce.ResumptionStanding",
        on_delete=models.DO_NOTHING,
        from_fields=["enterprise"],
        to_fields=["enterprise"],
        related_name="+",
        null=True,  # no standing yet: a confirmed enterprise always has one (workforce.resumption)
    )

    objects = EnterpriseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("产能恢复日报")
        verbose_name_plural = _("产能恢复日报")
        ordering = ["-day", "enterprise_id"]
        # The daily summary reads one day's capacity reports.
        indexes = [models.Index(fields=["day", "enterprise"], name="capacity_report_day")]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "day"], name="capacity_report_one_per_day"),
            models.CheckConstraint(
                condition=Q(capacity_percent__gte=0, capacity_percent__lte=200),
                name="capacity_percent_range",
                violation_error_message=_("产能利用率应在 0%% 到 200%% 之间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.day}"


class ResumptionStanding(models.Model):
    """Where an enterprise stands in the resumption figures: its district, industry and flags as the enterprise has
    them, when a filing of it first took effect (备案) and the day it counts as resumed from (已复工, as
    workforce.resumption.resumption_date defines it), the earliest of its filings in effect.

    Kept by workforce.resumption.standings_refresh after every change of an enterprise or of its filings (through
    enterprises.standing) and after every daily report, so that the dashboards count the city's enterprises from
    this one narrow table in a few grouped queries instead of re-deriving each resumption date per request; rebuilt
    whole every night as a safety net (tests/workforce/test_standing.py holds the two equal).
    """

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", primary_key=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("企业")
    )
    district = models.ForeignKey(
        "reference.District", verbose_name=_("属地"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    industry = models.ForeignKey(
        "reference.Industry", verbose_name=_("行业"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    division = models.CharField(_("行业大类"), max_length=2)  # the industry's (GB/T 4754), for the figures by division
    is_active = models.BooleanField(_("已确认"))
    is_above_scale = models.BooleanField(_("规上企业"))
    is_watched = models.BooleanField(_("重点企业或产业链龙头企业"))
    filed_at = models.DateTimeField(_("备案生效时间"), null=True, blank=True)
    resumed_on = models.DateField(_("复工日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("企业复工状态")
        verbose_name_plural = _("企业复工状态")

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {self.filed_at or '-'} / {self.resumed_on or '-'}"


class ReportTally(models.Model):
    """The daily reports of one day summed per district, industry class and watched flag (key enterprises and chain
    leaders), over the active enterprises: kept by workforce.tallies as each report is saved and each enterprise
    moves, so that the dashboards read the day's figures from these cells instead of summing every report."""

    day = models.DateField(_("日期"))
    district = models.ForeignKey(
        "reference.District", verbose_name=_("属地"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    industry = models.ForeignKey(
        "reference.Industry", verbose_name=_("行业"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    is_watched = models.BooleanField(_("重点企业或产业链龙头企业"))
    reported = models.IntegerField(_("已报企业"), default=0)
    late = models.IntegerField(_("迟报企业"), default=0)
    total_employees = models.IntegerField(_("职工总数"), default=0)
    returned = models.IntegerField(_("累计返昆"), default=0)
    on_duty = models.IntegerField(_("今日在岗"), default=0)
    in_quarantine = models.IntegerField(_("隔离观察"), default=0)
    returned_today = models.IntegerField(_("今日返昆"), default=0)

    class Meta:
        verbose_name = _("日报汇总单元")
        verbose_name_plural = _("日报汇总单元")
        constraints = [
            models.UniqueConstraint(fields=["day", "district", "industry", "is_watched"], name="report_tally_cell")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.district_id} {self.industry_id}{' *' if self.is_watched else ''}: {self.reported}"


class DailySummaryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """District staff see their district's rows; commanders and administrators all, city row included."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.DISTRICT_STAFF:
            return self.filter(district_id=user.district_id)
        if user.role in (Role.COMMANDER, Role.ADMIN):
            return self.all()
        return self.none()


class DailySummary(models.Model):
    """每日汇总: one row per district and one for the city (district empty) per day, built by Celery."""

    day = models.DateField(_("日期"))
    district = models.ForeignKey(
        "reference.District",
        verbose_name=_("属地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="daily_summaries",
    )
    is_final = models.BooleanField(_("终稿"), default=False)
    built_at = models.DateTimeField(_("生成时间"))
    expected = models.PositiveIntegerField(_("应报企业"))
    reported = models.PositiveIntegerField(_("已报企业"))
    late = models.PositiveIntegerField(_("迟报企业"))
    employees = models.PositiveIntegerField(_("职工总数"))
    returned = models.PositiveIntegerField(_("累计返昆"))
    on_duty = models.PositiveIntegerField(_("今日在岗"))
    away_high = models.PositiveIntegerField(_("未返昆: 高风险"))
    away_medium = models.PositiveIntegerField(_("未返昆: 中风险"))
    away_low = models.PositiveIntegerField(_("未返昆: 低风险"))
    in_quarantine = models.PositiveIntegerField(_("隔离观察"))
    returned_today = models.PositiveIntegerField(_("今日返昆"))
    above_scale_reporting = models.PositiveIntegerField(_("报送产能的规上企业"))
    capacity_mean = models.DecimalField(_("平均产能利用率(%)"), max_digits=5, decimal_places=1, null=True)
    capacity_median = models.DecimalField(_("产能利用率中位数(%)"), max_digits=5, decimal_places=1, null=True)
    electricity_kwh = models.DecimalField(_("用电量(千瓦时)"), max_digits=16, decimal_places=1)
    electricity_kwh_last_year = models.DecimalField(_("去年同日用电量(千瓦时)"), max_digits=16, decimal_places=1)
    # Clause 6: key enterprises and chain leaders (either flag, counted once) as figures of their own.
    key_expected = models.PositiveIntegerField(_("重点企业: 应报"), default=0)
    key_reported = models.PositiveIntegerField(_("重点企业: 已报"), default=0)
    key_employees = models.PositiveIntegerField(_("重点企业: 职工总数"), default=0)
    key_returned = models.PositiveIntegerField(_("重点企业: 累计返昆"), default=0)
    key_on_duty = models.PositiveIntegerField(_("重点企业: 今日在岗"), default=0)
    key_returned_today = models.PositiveIntegerField(_("重点企业: 今日返昆"), default=0)
    key_capacity_reporting = models.PositiveIntegerField(_("重点企业: 报送产能"), default=0)
    key_capacity_mean = models.DecimalField(
        _("重点企业: 平均产能利用率(%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )

    objects = DailySummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("每日汇总")
        verbose_name_plural = _("每日汇总")
        ordering = ["-day", "district__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["day", "district"], name="daily_summary_one_per_district"),
            # NULLs are distinct in a unique index, so the city row needs its own constraint.
            models.UniqueConstraint(
                fields=["day"], condition=Q(district__isnull=True), name="daily_summary_one_city_row"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.district or '全市'}"

    @property
    def not_reported(self) -> int:
        return self.expected - self.reported

    @property
    def return_rate(self) -> float | None:
        return self.returned / self.employees if self.employees else None

    @property
    def on_duty_rate(self) -> float | None:
        return self.on_duty / self.employees if self.employees else None

    @property
    def key_return_rate(self) -> float | None:
        return self.key_returned / self.key_employees if self.key_employees else None

    @property
    def key_on_duty_rate(self) -> float | None:
        return self.key_on_duty / self.key_employees if self.key_employees else None
