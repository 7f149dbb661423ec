"""Reference data every app reads and none owns: Kunshan's districts (区镇) and communities (社区/村), the
city's industry authorities (行业主管部门), the national industry classification (GB/T 4754-2017) and the
administrative divisions (GB/T 2260). Loaded by `manage.py load_reference`, edited in the admin."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.pinyin import PinyinField


class District(models.Model):
    """A 属地 (区镇): the area that owns enterprises and issues their workers' passes."""

    class Kind(models.TextChoices):
        ZONE = "zone", _("开发区/功能区")
        TOWN = "town", _("镇")
        OFFICE = "office", _("城市管理办事处")

    code = models.SlugField(_("代码"), max_length=20, unique=True, help_text=_("稳定代码, 不随名称变化"))
    name = models.CharField(_("名称"), max_length=50, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("属地(区镇)")
        verbose_name_plural = _("属地(区镇)")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """A residential community (社区) or village (村) inside a district; checkpoints stand here."""

    district = models.ForeignKey(District, verbose_name=_("属地"), on_delete=models.PROTECT, related_name="communities")
    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    is_demo = models.BooleanField(_("演示数据"), default=False, help_text=_("演示用社区, 上线前替换为真实社区(村)"))

    class Meta:
        verbose_name = _("社区(村)")
        verbose_name_plural = _("社区(村)")
        ordering = ["district__sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="community_unique_name_in_district"),
        ]

    def __str__(self) -> str:
        return f"{self.district.name} · {self.name}"


class IndustryAuthority(models.Model):
    """A city bureau (行业主管部门) that guides the enterprises of some industries."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    duties = models.CharField(
        _("职责"), max_length=255, blank=True, help_text=_("除主管行业外的职责, 如劳动用工、市场监管、安全生产")
    )
    industries: "models.ManyToManyField[Industry, Any]" = models.ManyToManyField(
        "Industry",
        verbose_name=_("主管行业"),
        related_name="authorities",
        blank=True,
        help_text=_("可选门类、大类、中类或小类; 选中某一层级即包含其下所有行业"),
    )

    class Meta:
        verbose_name = _("行业主管部门")
        verbose_name_plural = _("行业主管部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


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
    name_pinyin = PinyinField(_("名称拼音"), source="name")
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
        return industry_ancestor_codes(self.section, self.division, self.group, self.code)


def industry_ancestor_codes(section: str, division: str, group: str, code: str) -> list[str]:
    """An industry's codes from its section down to itself (a section or division repeats none)."""
    return list(dict.fromkeys(c for c in (section, division, group, code) if c))


class Division(models.Model):
    """An administrative division of GB/T 2260 (province, prefecture-level city or county): a worker's origin."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("地级")
        COUNTY = "county", _("县级")

    code = models.CharField(_("代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    full_name = models.CharField(_("全称"), max_length=100, help_text=_("如 湖北省武汉市江岸区"))
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划(GB/T 2260)")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.full_name}"

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes from the province down to this division, e.g. ['420000', '420100', '420102']."""
        codes = [self.code[:2] + "0000", self.code[:4] + "00", self.code]
        return list(dict.fromkeys(codes))
