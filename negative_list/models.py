from django.db import models


class Industry(models.Model):
    """One node of GB/T 4754-2017: a section (letter), division (2 digits), group (3) or class (4).

    Each row carries the codes of its section, division and group, so "which section and division
    is this class in" is a column read, and scoping by any level is one indexed filter.
    """

    class Level(models.TextChoices):
        SECTION = "section", "门类"
        DIVISION = "division", "大类"
        GROUP = "group", "中类"
        CLASS = "class", "小类"

    code = models.CharField("代码", max_length=4, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    section = models.CharField("门类", max_length=1, db_index=True)
    division = models.CharField("大类", max_length=2, blank=True, db_index=True)
    group = models.CharField("中类", max_length=3, blank=True, db_index=True)

    class Meta:
        verbose_name = "国民经济行业"
        verbose_name_plural = "国民经济行业分类"
        ordering = ["section", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes from the section down to this node, e.g. ['R', '90', '901', '9013']."""
        codes = [self.section, self.division, self.group, self.code]
        return list(dict.fromkeys(c for c in codes if c))
