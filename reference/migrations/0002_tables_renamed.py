# Issue 13: the moved models' tables take the reference app's names, and their content types (which the admin's
# log and the permissions point at) move with them instead of being created anew.

from django.db import migrations

MOVED = {
    "accounts": ["district", "community", "industryauthority"],
    "negative_list": ["industry"],
    "passes": ["division"],
}


def content_types_to_reference(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models in MOVED.items():
        ContentType.objects.filter(app_label=app_label, model__in=models).update(app_label="reference")


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models in MOVED.items():
        ContentType.objects.filter(app_label="reference", model__in=models).update(app_label=app_label)


class Migration(migrations.Migration):

    # After every app's migrations that still name the old tables (the moves' own ones come last in each app).
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reference", "0001_initial"),
        ("accounts", "0004_reference_models_moved"),
        ("enterprises", "0003_reference_models_moved"),
        ("negative_list", "0004_reference_models_moved"),
        ("passes", "0002_reference_models_moved"),
        ("workforce", "0003_reference_models_moved"),
    ]

    operations = [
        migrations.AlterModelTable(name="community", table=None),
        migrations.AlterModelTable(name="district", table=None),
        migrations.AlterModelTable(name="division", table=None),
        migrations.AlterModelTable(name="industry", table=None),
        migrations.AlterModelTable(name="industryauthority", table=None),
        migrations.RunPython(content_types_to_reference, content_types_back),
    ]
