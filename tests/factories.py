import factory
from stdnum.cn import uscc

from accounts.models import Role, User
from enterprises.models import Enterprise
from enterprises.standing import standing_changed
from reference.models import Community, District, Industry, IndustryAuthority


def credit_code(serial: int) -> str:
    """A valid credit code (GB 32100-2015 check character) unique per serial."""
    body = f"91320583MA{serial:07d}"
    return body + uscc.calc_check_digit(body)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise
        skip_postgeneration_save = True

    credit_code = factory.Sequence(credit_code)
    name = factory.Sequence(lambda n: f"昆山测试{n}号有限公司")
    district = factory.LazyFunction(lambda: District.objects.get(code="zhangpu"))
    industry = factory.LazyFunction(lambda: Industry.objects.get(code="3670"))
    address = "昆山市测试路1号"
    legal_representative = "张三"
    contact_name = "李四"
    contact_mobile = "13912345678"
    headcount = 100
    status = Enterprise.Status.ACTIVE

    @factory.post_generation
    def standing(obj, create, extracted, **kwargs):
        """As the enterprises services do after every change (the dashboards count from the standing)."""
        if create:
            standing_changed([obj.pk])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    role = Role.COMMANDER
    password = factory.django.Password("Test-pass-2020")

    class Params:
        enterprise_user = factory.Trait(role=Role.ENTERPRISE, enterprise=factory.SubFactory(EnterpriseFactory))
        district_staff = factory.Trait(
            role=Role.DISTRICT_STAFF, district=factory.LazyFunction(lambda: District.objects.get(code="zhangpu"))
        )
        authority_staff = factory.Trait(
            role=Role.AUTHORITY_STAFF,
            industry_authority=factory.LazyFunction(lambda: IndustryAuthority.objects.get(code="gxj")),
        )
        checkpoint_staff = factory.Trait(
            role=Role.CHECKPOINT_STAFF,
            community=factory.LazyFunction(lambda: Community.objects.get(code="zhangpu-demo-1")),
        )
        admin = factory.Trait(role=Role.ADMIN, is_staff=True, is_superuser=True)


PASSWORD = "Test-pass-2020"
