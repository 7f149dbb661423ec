"""The dashboards' per-enterprise standing (ResumptionStanding) and daily report tallies (ReportTally), filled from
the enterprises, their filings and their reports as they are. The fill is written against this migration's models,
not today's code (a later migration may change the tables today's code reads); after migrate the services keep both
(workforce.resumption, workforce.tallies)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

IN_EFFECT = ("submitted", "approved")
SUMMED = ("total_employees", "returned", "on_duty", "in_quarantine", "returned_today")
BATCH = 2000


def fill(apps, schema_editor):
    Enterprise = apps.get_model("enterprises", "Enterprise")
    Filing = apps.get_model("filings", "Filing")
    WorkforceReport = apps.get_model("workforce", "WorkforceReport")
    ResumptionStanding = apps.get_model("workforce", "ResumptionStanding")
    ReportTally = apps.get_model("workforce", "ReportTally")
    first_on_duty = Subquery(
        WorkforceReport.objects.filter(
            enterprise=OuterRef("enterprise_id"), on_duty__gt=0, day__gte=OuterRef("submitted_at__date")
        )
        .order_by("day")
        .values("day")[:1]
    )
    in_effect = Filing.objects.filter(status__in=IN_EFFECT, enterprise=OuterRef("pk"))
    rows = (
        Enterprise.objects.order_by("pk")
        .annotate(
            first_filed=Subquery(in_effect.order_by("submitted_at").values("submitted_at")[:1]),
            first_resumed=Subquery(
                in_effect.annotate(day=Coalesce("resumed_work_on", first_on_duty))
                .filter(day__isnull=False)
                .order_by("day")
                .values("day")[:1]
            ),
        )
        .values_list(
            "pk",
            "district_id",
            "industry_id",
            "industry__division",
            "status",
            "is_above_scale",
            "is_key",
            "is_chain_leader",
            "first_filed",
            "first_resumed",
        )
    )
    standings = [
        ResumptionStanding(
            enterprise_id=pk,
            district_id=district_id,
            industry_id=industry_id,
            division=division,
            is_active=status == "active",
            is_above_scale=above,
            is_watched=key or leader,
            filed_at=filed_at,
            resumed_on=resumed_on,
        )
        for pk, district_id, industry_id, division, status, above, key, leader, filed_at, resumed_on in rows.iterator(
            chunk_size=BATCH
        )
    ]
    ResumptionStanding.objects.bulk_create(standings, batch_size=BATCH)
    cells = (
        WorkforceReport.objects.filter(enterprise__status="active")
        .annotate(
            watched=ExpressionWrapper(
                Q(enterprise__is_key=True) | Q(enterprise__is_chain_leader=True), output_field=BooleanField()
            )
        )
        .values("day", "enterprise__district_id", "enterprise__industry_id", "watched")
        .annotate(
            tally_reported=Count("pk"),
            tally_late=Count("pk", filter=Q(is_late=True)),
            **{f"tally_{name}": Sum(name) for name in SUMMED},
        )
        .order_by()
    )
    ReportTally.objects.bulk_create(
        (
            ReportTally(
                day=row["day"],
                district_id=row["enterprise__district_id"],
                industry_id=row["enterprise__industry_id"],
                is_watched=row["watched"],
                **{name: row[f"tally_{name}"] for name in ("reported", "late", *SUMMED)},
            )
            for row in cells.iterator(chunk_size=BATCH)
        ),
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0006_backfill_enterprise_name_pinyin"),
        ("reference", "0006_backfill_industry_name_pinyin"),
        ("workforce", "0004_key_enterprise_figures"),
        ("filings", "0005_history_return_comment"),
    ]

    operations = [
        migrations.CreateModel(
            name="ResumptionStanding",
            fields=[
                (
                    "enterprise",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="enterprises.enterprise",
                        verbose_name="企业",
                    ),
                ),
                ("division", models.CharField(max_length=2, verbose_name="行业大类")),
                ("is_active", models.BooleanField(verbose_name="已确认")),
                ("is_above_scale", models.BooleanField(verbose_name="规上企业")),
                ("is_watched", models.BooleanField(verbose_name="重点企业或产业链龙头企业")),
                ("filed_at", models.DateTimeField(blank=True, null=True, verbose_name="备案生效时间")),
                ("resumed_on", models.DateField(blank=True, null=True, verbose_name="复工日期")),
                (
                    "district",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reference.district",
                        verbose_name="属地",
                    ),
                ),
                (
                    "industry",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reference.industry",
                        verbose_name="行业",
                    ),
                ),
            ],
            options={
                "verbose_name": "企业复工状态",
                "verbose_name_plural": "企业复工状态",
            },
        ),
        migrations.CreateModel(
            name="ReportTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="日期")),
                ("is_watched", models.BooleanField(verbose_name="重点企业或产业链龙头企业")),
                ("reported", models.IntegerField(default=0, verbose_name="已报企业")),
                ("late", models.IntegerField(default=0, verbose_name="迟报企业")),
                ("total_employees", models.IntegerField(default=0, verbose_name="职工总数")),
                ("returned", models.IntegerField(default=0, verbose_name="累计返昆")),
                ("on_duty", models.IntegerField(default=0, verbose_name="今日在岗")),
                ("in_quarantine", models.IntegerField(default=0, verbose_name="隔离观察")),
                ("returned_today", models.IntegerField(default=0, verbose_name="今日返昆")),
                (
                    "district",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reference.district",
                        verbose_name="属地",
                    ),
                ),
                (
                    "industry",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reference.industry",
                        verbose_name="行业",
                    ),
                ),
            ],
            options={
                "verbose_name": "日报汇总单元",
                "verbose_name_plural": "日报汇总单元",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "district", "industry", "is_watched"), name="report_tally_cell"
                    )
                ],
            },
        ),
        # The capacity report's join to the standing has no column: state only (unapplying an added ForeignObject
        # also trips Django's SQLite schema editor, which looks for a database constraint it cannot have).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="capacityreport",
                    name="standing",
                    field=models.ForeignObject(
                        from_fields=["enterprise"],
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="workforce.resumptionstanding",
                        to_fields=["enterprise"],
                    ),
                ),
            ],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
