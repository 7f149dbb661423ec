"""Issue 13: the reference models moved apps without losing a row. A database at the previous layout (the state
main had before the move) is filled through that state's own models, then migrated forward; every table keeps
its rows and its links."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The last migration of each app before the move.
BEFORE_THE_MOVE = [
    ("accounts", "0003_notifications"),
    ("negative_list", "0003_rule_list_help_texts"),
    ("passes", "0001_initial"),
    ("enterprises", "0002_enterprise_responsible_official"),
    ("workforce", "0002_capacity_day_index"),
    ("reference", None),
]
MOVED = {
    ("accounts", "District"): "District",
    ("accounts", "Community"): "Community",
    ("accounts", "IndustryAuthority"): "IndustryAuthority",
    ("negative_list", "Industry"): "Industry",
    ("passes", "Division"): "Division",
}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state([t for t in targets if t[1]]).apps


@pytest.mark.django_db(transaction=True)
def test_moving_the_reference_models_keeps_every_row_and_link():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = _migrate(BEFORE_THE_MOVE)
        District = old.get_model("accounts", "District")
        Industry = old.get_model("negative_list", "Industry")
        zhangpu = District.objects.get(code="zhangpu")
        enterprise = old.get_model("enterprises", "Enterprise").objects.create(
            credit_code="91320583MA1XXXXX0X",
            name="迁移测试企业",
            district=zhangpu,
            industry=Industry.objects.get(code="3411"),
            address="张浦镇测试路1号",
            legal_representative="张三",
            contact_name="李四",
            contact_mobile="13912345678",
            headcount=120,
        )
        old.get_model("accounts", "User").objects.create(
            username="move_check",
            role="district_staff",
            district=zhangpu,
        )
        counts = {name: old.get_model(*key).objects.count() for key, name in MOVED.items()}
        gxj = old.get_model("accounts", "IndustryAuthority").objects.get(code="gxj")
        authority_industries = sorted(gxj.industries.values_list("code", flat=True))
        assert all(counts.values()), counts

        new = _migrate(latest)
    finally:
        _migrate(latest)

    for name, count in counts.items():
        assert new.get_model("reference", name).objects.count() == count, name
    assert new.get_model("reference", "District").objects.get(code="zhangpu").name == "张浦镇"
    assert new.get_model("reference", "Division").objects.get(code="420102").full_name == "湖北省武汉市江岸区"
    assert new.get_model("reference", "Community").objects.get(code="zhangpu-demo-1").district.code == "zhangpu"
    gxj = new.get_model("reference", "IndustryAuthority").objects.get(code="gxj")
    assert sorted(gxj.industries.values_list("code", flat=True)) == authority_industries
    moved_enterprise = new.get_model("enterprises", "Enterprise").objects.get(pk=enterprise.pk)
    assert (moved_enterprise.district.code, moved_enterprise.industry.code) == ("zhangpu", "3411")
    assert new.get_model("accounts", "User").objects.get(username="move_check").district.code == "zhangpu"
    tables = connection.introspection.table_names()
    assert "reference_district" in tables and "accounts_district" not in tables
