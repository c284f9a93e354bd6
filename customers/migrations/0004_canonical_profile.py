"""The canonical import profile (shared/COUNTER_EXPORTS.md) exists from the start, as the
default; admins add vendor profiles beside it."""

from django.db import migrations


def create(apps, schema_editor):
    profile_model = apps.get_model("customers", "ImportProfile")
    profile_model.objects.get_or_create(
        name="canonical",
        defaults={
            "description": "The canonical layout: UTF-8, comma, YYYY-MM-DD, canonical headers",
            "is_default": True,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_import_run_fields")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
