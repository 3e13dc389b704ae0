"""Copy each station's JSON duty rule into a typed DutyRule row (purpose duty), and back.

Known shapes: {"type": "day_digit", "digit": 0-9} and {"type": "nth_weekday", "n": 1-5 or -1,
"weekday": 0-6}. Anything else never matched a day before, so it becomes no rule.
"""

from django.db import migrations


def _int(value, low, high):
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return value if ok else None


def _fields(rule):
    if not isinstance(rule, dict):
        return None
    kind = rule.get("type")
    if kind == "day_digit" and _int(rule.get("digit"), 0, 9) is not None:
        return {"kind": "day_digit", "digit": rule["digit"]}
    n, weekday = rule.get("n"), _int(rule.get("weekday"), 0, 6)
    if kind == "nth_weekday" and weekday is not None and (n == -1 or _int(n, 1, 5)):
        return {"kind": "nth_weekday", "nth": n, "weekday": weekday}
    return None


def forwards(apps, schema_editor):
    Station = apps.get_model("liaison", "Station")
    DutyRule = apps.get_model("liaison", "DutyRule")
    rows = []
    for station_id, rule in Station.objects.exclude(duty_rule=None).values_list("id", "duty_rule"):
        fields = _fields(rule)
        if fields is not None:
            rows.append(DutyRule(station_id=station_id, purpose="duty", **fields))
    DutyRule.objects.bulk_create(rows, batch_size=2000)


def backwards(apps, schema_editor):
    Station = apps.get_model("liaison", "Station")
    DutyRule = apps.get_model("liaison", "DutyRule")
    for rule in DutyRule.objects.filter(purpose="duty", kind__in=["day_digit", "nth_weekday"]):
        if rule.kind == "day_digit":
            json = {"type": "day_digit", "digit": rule.digit}
        else:
            json = {"type": "nth_weekday", "n": rule.nth, "weekday": rule.weekday}
        Station.objects.filter(id=rule.station_id).update(duty_rule=json)


class Migration(migrations.Migration):
    dependencies = [("liaison", "0002_duty_rule_typed")]

    operations = [migrations.RunPython(forwards, backwards)]
