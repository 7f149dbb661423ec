from django.db import models
from django.utils.translation import gettext_lazy as _


class Industry(models.Model):
    """One node of GB/T 4754-2017: a section (letter), division (2 digits), group (3) or class (4).

    Each row carries the codes of its section, division and group, so "which section and division
    is this class in" is a column read, and scoping by any level is one indexed filter.
    """

    class Level(models.TextChoices):
        SECTION = "section", _("门类")
        DIVISION = "division", _("大类")
        GROUP = "group", _("中类")
        CLASS = "class", _("小类")

    code = models.CharField(_("代码"), max_length=4, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    section = models.CharField(_("门类"), max_length=1, db_index=True)
    division = models.CharField(_("大类"), max_length=2, blank=True, db_index=True)
    group = models.CharField(_("中类"), max_length=3, blank=True, db_index=True)

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业分类")
        ordering = ["section", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes from the section down to this node, e.g. ['R', '90', '901', '9013']."""
        codes = [self.section, self.division, self.group, self.code]
        return list(dict.fromkeys(c for c in codes if c))
