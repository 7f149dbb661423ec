"""The industry authorities a running portal lacked (人社局, 市场监管局, 应急管理局), with their industries and duties,
so that a database migrated without running load_reference has them too. The same rows as
reference/data/industry_authorities.csv; load_reference keeps them up to date afterwards (upserts by code)."""

from django.db import migrations

AUTHORITIES = [
    ("rsj", "人社局", ["726"], "劳动用工、人力资源市场、劳动关系和劳资纠纷、社会保险"),
    (
        "scjgj",
        "市场监管局",
        ["13", "14", "15", "27", "62"],
        "市场主体登记、食品和药品安全、特种设备安全、价格和哄抬物价监督检查、防疫物资质量",
    ),
    (
        "yjglj",
        "应急管理局",
        ["B", "25", "26", "31", "32"],
        "安全生产监督管理、危险化学品和烟花爆竹、工贸行业安全、复工复产安全检查",
    ),
]


def add(apps, schema_editor):
    IndustryAuthority = apps.get_model("reference", "IndustryAuthority")
    Industry = apps.get_model("reference", "Industry")
    for code, name, industries, duties in AUTHORITIES:
        authority, created = IndustryAuthority.objects.get_or_create(code=code, defaults={"name": name})
        authority.duties = duties
        authority.save(update_fields=["duties"])
        if created or not authority.industries.exists():
            # An empty database (a fresh install) has no industries yet: load_reference maps them later.
            authority.industries.set(Industry.objects.filter(code__in=industries))


class Migration(migrations.Migration):
    dependencies = [("reference", "0003_authority_duties_and_offices")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
