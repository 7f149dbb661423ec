"""The pinyin of the names written before the column existed (core.pinyin), in batches."""

from django.db import migrations

from core.pinyin import pinyin_backfill


def backfill(apps, schema_editor):
    pinyin_backfill(apps.get_model("passes", "Worker"))


class Migration(migrations.Migration):
    atomic = False  # each batch commits: no lock on the whole table for the length of the backfill

    dependencies = [("passes", "0010_worker_name_pinyin")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
