"""What several apps' models share: a version of a rule list that is published for everyone."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleListQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=RuleList.Status.PUBLISHED)

    def in_force(self, on):
        """The published version in force on a local date: the latest one effective by then."""
        return self.published().filter(effective_from__lte=on).order_by("-effective_from", "-published_at").first()

    def draft_create(self, *, created_by, title: str, source_document: str, effective_from, notes: str = ""):
        """A new, empty, validated draft version."""
        draft = self.model(
            title=title.strip(),
            source_document=source_document.strip(),
            effective_from=effective_from,
            notes=notes.strip(),
            status=RuleList.Status.DRAFT,
            created_by=created_by,
        )
        draft.full_clean()
        draft.save()
        return draft

    def lock_draft(self, pk: int, *, published_message):
        """The draft row, locked for the rest of the transaction, or a refusal if it is published."""
        draft = self.select_for_update().get(pk=pk)
        if draft.status != RuleList.Status.DRAFT:
            raise ValidationError(published_message)
        return draft


class RuleList(models.Model):
    """One version of a rule list that everyone must read alike (clause 3), such as the negative list or the
    risk-area list: drafted, then published with an effective date, and never edited after publishing."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    title = models.CharField(_("名称"), max_length=100)
    source_document = models.CharField(_("依据文件"), max_length=100, help_text=_("发文字号, 如 昆防指〔2020〕19号"))
    effective_from = models.DateField(_("生效日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_demo = models.BooleanField(_("演示数据"), default=False, help_text=_("演示用版本, 不是官方文件的内容"))
    notes = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    objects = RuleListQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-effective_from", "-published_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title}({self.source_document}, {self.effective_from:%Y-%m-%d})"


class WorkingDayOverride(models.Model):
    """A day the official calendar treats otherwise than the library of Chinese holidays does, or a day of a year
    the library does not know yet (the State Council publishes each year's holidays in the November before)."""

    day = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"), help_text=_("勾选: 调休上班; 不勾选: 放假"))
    name = models.CharField(_("名称"), max_length=50, help_text=_("如 元旦、春节调休"))
    source_document = models.CharField(_("依据文件"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name} ({'上班' if self.is_working_day else '放假'})"
