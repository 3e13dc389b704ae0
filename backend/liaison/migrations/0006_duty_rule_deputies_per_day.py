# How many members are on duty each held day (round robin); null keeps every member (issue 13).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('liaison', '0005_rota_leave_receptions'),
    ]

    operations = [
        migrations.AddField(
            model_name='dutyrule',
            name='deputies_per_day',
            field=models.PositiveSmallIntegerField(blank=True, help_text='Empty: every member on every duty day; else that many, in turn.', null=True, verbose_name='deputies on duty per day'),
        ),
        migrations.AddConstraint(
            model_name='dutyrule',
            constraint=models.CheckConstraint(condition=models.Q(('deputies_per_day__isnull', True), models.Q(('deputies_per_day__gte', 1), ('deputies_per_day__lte', 50)), _connector='OR'), name='rule_deputies_per_day'),
        ),
    ]
