# The station's duty rule as typed rows (was JSON on Station.duty_rule; copied in 0003).

import datetime
import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('liaison', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='DutyRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('purpose', models.CharField(choices=[('duty', 'duty days (进站)'), ('deliberation', 'deliberation days (议事)')], default='duty', max_length=12, verbose_name='purpose')),
                ('kind', models.CharField(choices=[('day_digit', 'days ending in a digit'), ('nth_weekday', 'n-th weekday of the month'), ('half_month', 'every half month'), ('weekdays', 'fixed weekdays'), ('dates', 'explicit dates')], max_length=12, verbose_name='rule')),
                ('digit', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='last digit of the day')),
                ('nth', models.SmallIntegerField(blank=True, null=True, verbose_name='n-th (-1 = last)')),
                ('weekday', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='weekday (0 = Monday)')),
                ('weekdays', django.contrib.postgres.fields.ArrayField(base_field=models.PositiveSmallIntegerField(), blank=True, default=list, size=None, verbose_name='weekdays (0 = Monday)')),
                ('month_day', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='first day of each half month')),
                ('dates', django.contrib.postgres.fields.ArrayField(base_field=models.DateField(), blank=True, default=list, size=None, verbose_name='dates')),
                ('opens_at', models.TimeField(default=datetime.time(9, 0), verbose_name='opens at')),
                ('closes_at', models.TimeField(default=datetime.time(17, 0), verbose_name='closes at')),
                ('holiday_policy', models.CharField(choices=[('held', 'held on the holiday'), ('moved', 'moved to the next working day'), ('skipped', 'skipped')], default='held', max_length=8, verbose_name='on an official holiday')),
                ('station', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rules', to='liaison.station', verbose_name='station')),
            ],
            options={
                'verbose_name': 'duty rule',
                'verbose_name_plural': 'duty rules',
                'constraints': [models.UniqueConstraint(fields=('station', 'purpose'), name='rule_one_per_purpose'), models.CheckConstraint(condition=models.Q(('closes_at__gt', models.F('opens_at'))), name='rule_hours_order'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'day_digit'), _negated=True), ('digit__lte', 9), _connector='OR'), name='rule_day_digit'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'nth_weekday'), _negated=True), models.Q(('nth__in', [-1, 1, 2, 3, 4, 5]), ('weekday__lte', 6)), _connector='OR'), name='rule_nth_weekday'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'half_month'), _negated=True), models.Q(('month_day__gte', 1), ('month_day__lte', 15)), _connector='OR'), name='rule_half_month'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'weekdays'), _negated=True), ('weekdays__len__gt', 0), _connector='OR'), name='rule_weekdays'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'dates'), _negated=True), ('dates__len__gt', 0), _connector='OR'), name='rule_dates')],
            },
        ),
    ]
