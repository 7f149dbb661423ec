"""The check log's single-column index on community goes: pass_check_community_time (community, checked_at)
serves the same lookups, and each offline check uploaded wrote one index entry more for nothing.

Only the index is dropped in the database: AlterField alone would drop and re-add the foreign key, which
re-checks the whole check log under lock."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("passes", "0011_backfill_worker_name_pinyin"),
        ("reference", "0002_tables_renamed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="passcheck",
                    name="community",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reference.community",
                        verbose_name="卡口(社区)",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "passes_passcheck_community_id_6ec6c314"',
                    'CREATE INDEX IF NOT EXISTS "passes_passcheck_community_id_6ec6c314" '
                    'ON "passes_passcheck" ("community_id")',
                ),
            ],
        ),
    ]
