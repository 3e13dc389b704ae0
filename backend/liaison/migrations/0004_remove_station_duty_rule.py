# The JSON duty rule is gone: DutyRule rows hold it (copied in 0003).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("liaison", "0003_duty_rule_from_json")]

    operations = [migrations.RemoveField(model_name="station", name="duty_rule")]
