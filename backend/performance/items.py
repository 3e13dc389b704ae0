"""The catalogue of record items (what a deputy's year is measured by) and the defaults.

An item is a code; its label and category live here once. Targets and point rules refer to
items by code. `DEFAULT_TARGETS` is Changsha county's "12345" set (≥1 deliberation speech,
≥2 suggestions, ≥3 public-welfare actions, ≥4 deputy-group activities, ≥50 households):
the targets of a county and year that has none configured. `DEFAULT_RULES` are the points of
an item in a county without a rule of its own (in force since `DEFAULT_RULES_FROM`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.coverage.selectors.rollups import YEARLY_HOUSEHOLD_TARGET


class Category(models.TextChoices):
    CONTACT = "contact", _("contact with voters")
    DUTY = "duty", _("duty at stations")
    CONGRESS = "congress", _("congress work")
    DISCIPLINE = "discipline", _("discipline")


class Item(models.TextChoices):
    # derived from field records
    HOUSEHOLDS = "households", _("households visited")
    VISIT = "visit", _("visits")
    CHECKIN = "checkin", _("duty check-ins")
    OPINION = "opinion", _("opinions taken down")
    OPINION_CLOSED = "opinion_closed", _("opinions closed")
    # entered by staff with evidence, approved by a reviewer
    SPEECH = "speech", _("deliberation speeches")
    SUGGESTION = "suggestion", _("suggestions filed")
    WELFARE = "welfare", _("public-welfare actions")
    GROUP_ACTIVITY = "group_activity", _("deputy-group activities")
    DELIBERATION = "deliberation", _("deliberations attended")
    REPORT = "report", _("reports authored")
    ABSENCE = "absence", _("unexcused absences")


CATEGORY_OF: dict[str, str] = {
    Item.HOUSEHOLDS: Category.CONTACT,
    Item.VISIT: Category.CONTACT,
    Item.OPINION: Category.CONTACT,
    Item.OPINION_CLOSED: Category.CONTACT,
    Item.WELFARE: Category.CONTACT,
    Item.CHECKIN: Category.DUTY,
    Item.GROUP_ACTIVITY: Category.DUTY,
    Item.SPEECH: Category.CONGRESS,
    Item.SUGGESTION: Category.CONGRESS,
    Item.DELIBERATION: Category.CONGRESS,
    Item.REPORT: Category.CONGRESS,
    Item.ABSENCE: Category.DISCIPLINE,
}

# Items only staff enter (the system cannot see them); the others come from field records.
STAFF_ITEMS = (
    Item.SPEECH,
    Item.SUGGESTION,
    Item.WELFARE,
    Item.GROUP_ACTIVITY,
    Item.DELIBERATION,
    Item.REPORT,
    Item.ABSENCE,
)

DEFAULT_TARGETS: dict[str, int] = {
    Item.SPEECH: 1,
    Item.SUGGESTION: 2,
    Item.WELFARE: 3,
    Item.GROUP_ACTIVITY: 4,
    Item.HOUSEHOLDS: YEARLY_HOUSEHOLD_TARGET,
}


class Period(models.TextChoices):
    YEAR = "year", _("per year")
    QUARTER = "quarter", _("per quarter")
    MONTH = "month", _("per month")


@dataclass(frozen=True, slots=True)
class RuleTerms:
    """What one rule version says: points per unit, and a cap on the points per period
    (None = no cap; a cap limits positive points only)."""

    item: str
    points: int
    cap: int | None
    period: str
    effective_from: dt.date
    rule_id: int | None = None  # None: the built-in default


DEFAULT_RULES_FROM = dt.date(2000, 1, 1)
DEFAULT_RULES: dict[str, RuleTerms] = {
    item: RuleTerms(item, points, cap, period, DEFAULT_RULES_FROM)
    for item, points, cap, period in (
        (Item.VISIT, 1, 50, Period.YEAR),
        (Item.CHECKIN, 2, None, Period.YEAR),
        (Item.OPINION, 2, 40, Period.YEAR),
        (Item.OPINION_CLOSED, 3, None, Period.YEAR),
        (Item.SPEECH, 10, None, Period.YEAR),
        (Item.SUGGESTION, 10, None, Period.YEAR),
        (Item.WELFARE, 5, None, Period.YEAR),
        (Item.GROUP_ACTIVITY, 5, None, Period.YEAR),
        (Item.DELIBERATION, 5, None, Period.YEAR),
        (Item.REPORT, 20, None, Period.YEAR),
        (Item.ABSENCE, -5, None, Period.YEAR),
    )
}


def period_key(day: dt.date, period: str) -> tuple[int, int]:
    """The bucket of `day` for a cap counted `period`-ly: (year, 0 | quarter | month)."""
    if period == Period.MONTH:
        return (day.year, day.month)
    if period == Period.QUARTER:
        return (day.year, (day.month - 1) // 3 + 1)
    return (day.year, 0)
