from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from core.validators import validate_mobile


class District(models.Model):
    """A 属地 (区镇): the area that owns enterprises and issues their workers' passes."""

    class Kind(models.TextChoices):
        ZONE = "zone", "开发区/功能区"
        TOWN = "town", "镇"

    code = models.SlugField("代码", max_length=20, unique=True, help_text="稳定代码, 不随名称变化")
    name = models.CharField("名称", max_length=50, unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "属地(区镇)"
        verbose_name_plural = "属地(区镇)"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """A residential community (社区) or village (村) inside a district; checkpoints stand here."""

    district = models.ForeignKey(District, verbose_name="属地", on_delete=models.PROTECT, related_name="communities")
    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    is_demo = models.BooleanField("演示数据", default=False, help_text="演示用社区, 上线前替换为真实社区(村)")

    class Meta:
        verbose_name = "社区(村)"
        verbose_name_plural = "社区(村)"
        ordering = ["district__sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="community_unique_name_in_district"),
        ]

    def __str__(self) -> str:
        return f"{self.district.name} · {self.name}"


class IndustryAuthority(models.Model):
    """A city bureau (行业主管部门) that guides the enterprises of some industries."""

    code = models.SlugField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    industries = models.ManyToManyField(
        "negative_list.Industry",
        verbose_name="主管行业",
        related_name="authorities",
        blank=True,
        help_text="可选门类、大类、中类或小类; 选中某一层级即包含其下所有行业",
    )

    class Meta:
        verbose_name = "行业主管部门"
        verbose_name_plural = "行业主管部门"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", "企业用户"
    DISTRICT_STAFF = "district_staff", "属地工作人员"
    AUTHORITY_STAFF = "authority_staff", "行业主管部门人员"
    CHECKPOINT_STAFF = "checkpoint_staff", "卡口核验人员"
    COMMANDER = "commander", "指挥部"
    ADMIN = "admin", "系统管理员"


# The one scope field each role must have; every other scope field must be empty.
ROLE_SCOPE_FIELD: dict[str, str | None] = {
    Role.ENTERPRISE: "enterprise",
    Role.DISTRICT_STAFF: "district",
    Role.AUTHORITY_STAFF: "industry_authority",
    Role.CHECKPOINT_STAFF: "community",
    Role.COMMANDER: None,
    Role.ADMIN: None,
}
SCOPE_FIELDS = ("enterprise", "district", "industry_authority", "community")


def _role_scope_condition() -> Q:
    condition = Q()
    for role, scope_field in ROLE_SCOPE_FIELD.items():
        role_q = Q(role=role)
        for field in SCOPE_FIELDS:
            role_q &= Q(**{f"{field}__isnull": field != scope_field})
        condition |= role_q
    return condition


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.ENTERPRISE)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    mobile = models.CharField("手机号", max_length=11, blank=True, validators=[validate_mobile])
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name="所属企业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    district = models.ForeignKey(
        District, verbose_name="所属属地", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    industry_authority = models.ForeignKey(
        IndustryAuthority,
        verbose_name="所属行业主管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    community = models.ForeignKey(
        Community, verbose_name="所在社区(村)", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    password_change_required = models.BooleanField(
        "须修改密码", default=False, help_text="管理员设定或导入的初始密码, 首次登录后必须修改"
    )

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(condition=_role_scope_condition(), name="user_role_has_exactly_its_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name or self.username} ({self.get_role_display()})"

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def scope_field(self) -> str | None:
        return ROLE_SCOPE_FIELD[self.role]

    @property
    def scope(self):
        """The enterprise, district, authority or community this user acts for; None for city-wide roles."""
        return getattr(self, self.scope_field) if self.scope_field else None

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        errors = {}
        for field in SCOPE_FIELDS:
            has_value = getattr(self, f"{field}_id") is not None
            label = self._meta.get_field(field).verbose_name
            if field == self.scope_field and not has_value:
                errors[field] = f"角色为“{self.get_role_display()}”的用户必须填写{label}。"
            elif field != self.scope_field and has_value:
                errors[field] = f"角色为“{self.get_role_display()}”的用户不能填写{label}。"
        if errors:
            raise ValidationError(errors)
