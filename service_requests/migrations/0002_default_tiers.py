"""The default reading of "1311": four tiers, administrators edit them in the admin."""

from django.db import migrations

DEFAULT_TIERS = [
    (1, "属地挂钩负责人", "responsible_official"),
    (2, "区镇复工复产专班负责人", "task_force_head"),
    (3, "行业主管部门", "industry_authority"),
    (4, "挂钩市领导", "city_leader"),
]


def add_tiers(apps, schema_editor):
    LinkageTier = apps.get_model("service_requests", "LinkageTier")
    for level, name, source in DEFAULT_TIERS:
        LinkageTier.objects.get_or_create(level=level, defaults={"name": name, "source": source})


class Migration(migrations.Migration):
    dependencies = [("service_requests", "0001_initial")]

    operations = [migrations.RunPython(add_tiers, migrations.RunPython.noop)]
