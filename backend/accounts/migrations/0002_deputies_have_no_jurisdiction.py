"""Data: clear the jurisdiction of deputy accounts (the admin allowed one, and it granted
region-wide reads), so that the constraint of the next migration holds. Clearing takes a
right away; it never grants one."""

from django.db import migrations


def clear_deputies_jurisdictions(apps, schema_editor) -> None:
    User = apps.get_model("accounts", "User")
    User.objects.filter(role="deputy", jurisdiction__isnull=False).update(jurisdiction=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunPython(clear_deputies_jurisdictions, migrations.RunPython.noop, elidable=False)
    ]
