"""Factories for the worker-return tests: divisions, risk lists, workers and passes."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from stdnum.cn import ric

from passes.models import RiskArea, RiskAreaList, RiskLevel, Worker
from passes.personal_data import id_number_fields
from passes.services import return_passes as services
from reference.models import District, Division
from tests.factories import EnterpriseFactory


def id_number(serial: int, region: str = "320583") -> str:
    """A valid 18-character ID number (GB 11643 check digit), unique per serial."""
    birth = date(1990, 1, 1) + timedelta(days=serial // 1000)
    body = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 of 18 characters


def division(code: str, name: str = "") -> Division:
    """A division and its parents (province, city), created if the reference data lacks them."""
    province, _created = Division.objects.get_or_create(
        code=code[:2] + "0000", defaults={"name": name or code, "full_name": name or code, "level": "province"}
    )
    if code.endswith("0000"):
        return province
    city, _created = Division.objects.get_or_create(
        code=code[:4] + "00",
        defaults={"name": name or code, "full_name": name or code, "level": "city", "parent": province},
    )
    if code.endswith("00"):
        return city
    county, _created = Division.objects.get_or_create(
        code=code, defaults={"name": name or code, "full_name": name or code, "level": "county", "parent": city}
    )
    return county


LOW_RISK_ORIGIN = "511602"  # 四川省广安市广安区 (unlisted, so low risk)
MEDIUM_RISK_ORIGIN = "330302"  # 浙江省温州市鹿城区, under a listed city
HIGH_RISK_ORIGIN = "420102"  # 湖北省武汉市江岸区, under a listed province


def published_risk_list(
    *, effective_from: date | None = None, areas: dict[str, str] | None = None, source: str = "苏防控〔2020〕7号"
) -> RiskAreaList:
    """A published list: by default Hubei province high risk and Wenzhou city medium risk."""
    areas = areas if areas is not None else {"420000": RiskLevel.HIGH, "330300": RiskLevel.MEDIUM}
    risk_list = RiskAreaList.objects.create(
        title="测试风险地区名单",
        source_document=source,
        effective_from=effective_from or date(2020, 2, 1),
        status=RiskAreaList.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    RiskArea.objects.bulk_create(
        [RiskArea(risk_list=risk_list, division=division(code), level=level) for code, level in areas.items()]
    )
    return risk_list


class WorkerFactory(factory.django.DjangoModelFactory):
    """A worker who may work today: low-risk origin, arrived, normal temperature taken an hour ago,
    living in another district (kfq) than the default enterprise's (zhangpu)."""

    class Meta:
        model = Worker
        exclude = ("id_number",)

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"工人{n}号")
    id_number = factory.Sequence(id_number)
    id_number_encrypted = factory.LazyAttribute(lambda o: id_number_fields(o.id_number)["id_number_encrypted"])
    id_number_digest = factory.LazyAttribute(lambda o: id_number_fields(o.id_number)["id_number_digest"])
    id_number_masked = factory.LazyAttribute(lambda o: id_number_fields(o.id_number)["id_number_masked"])
    mobile = "13812345678"
    origin = factory.LazyFunction(lambda: division(LOW_RISK_ORIGIN))
    arrived_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=3))
    quarantine_status = Worker.Quarantine.HOME
    quarantine_started_on = factory.LazyAttribute(lambda o: o.arrived_on)
    temperature = Decimal("36.5")  # a str would not compare with the fever threshold on a built worker
    temperature_taken_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    residence_district = factory.LazyFunction(lambda: District.objects.get(code="kfq"))
    residence_community = factory.LazyAttribute(lambda o: o.residence_district.communities.first())
    residence_address = "昆山市前进路100号3栋201室"
    housing_331_compliant = True
    job = "操作工"


def applied_passes(enterprise_user, count: int = 1, **worker_kwargs):
    """Passes applied for by the enterprise user's enterprise, one per new eligible worker."""
    workers = WorkerFactory.create_batch(count, enterprise=enterprise_user.enterprise, **worker_kwargs)
    batch = services.return_pass_apply(
        enterprise=enterprise_user.enterprise, workers=workers, applied_by=enterprise_user
    )
    return list(batch.passes.order_by("pk"))


def issued_pass(enterprise_user, district_staff, **worker_kwargs):
    (return_pass,) = applied_passes(enterprise_user, **worker_kwargs)
    result = services.return_pass_issue(pass_ids=[return_pass.pk], issued_by=district_staff)
    assert result.done, result.skipped
    return result.done[0]
