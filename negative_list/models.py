from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import RuleList
from reference.models import Industry


class ResumptionScope(models.TextChoices):
    """What a filing asks for and what a negative-list entry restricts."""

    WORK = "work", _("复工")
    PRODUCTION = "production", _("复产")
    BUSINESS = "business", _("复市")


class NegativeList(RuleList):
    """One version of the negative list (负面清单). Published versions are never edited, only replaced."""

    class Meta(RuleList.Meta):
        verbose_name = _("负面清单版本")
        verbose_name_plural = _("负面清单版本")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="negative_list_published_has_time",
            ),
        ]


class NegativeListEntry(models.Model):
    """An industry (at any level: an entry on a division covers every class under it) and what it restricts."""

    negative_list = models.ForeignKey(
        NegativeList, verbose_name=_("清单版本"), on_delete=models.CASCADE, related_name="entries"
    )
    industry = models.ForeignKey(Industry, verbose_name=_("行业"), on_delete=models.PROTECT, related_name="+")
    restricts_work = models.BooleanField(_("限制复工"), default=True)
    restricts_production = models.BooleanField(_("限制复产"), default=True)
    restricts_business = models.BooleanField(_("限制复市"), default=True)
    reason = models.CharField(_("理由"), max_length=255)

    class Meta:
        verbose_name = _("负面清单条目")
        verbose_name_plural = _("负面清单条目")
        ordering = ["industry_id"]
        constraints = [
            models.UniqueConstraint(fields=["negative_list", "industry"], name="negative_list_entry_unique_industry"),
            models.CheckConstraint(
                condition=models.Q(restricts_work=True)
                | models.Q(restricts_production=True)
                | models.Q(restricts_business=True),
                name="negative_list_entry_restricts_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.industry_id} {self.reason}"

    def restricts(self, scope: str) -> bool:
        return getattr(self, f"restricts_{scope}")
