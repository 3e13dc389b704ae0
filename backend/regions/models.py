"""Administrative regions keyed by adcode (行政区划代码).

The adcode is a string of 2 (province), 4 (city), 6 (county), 9 (township) or 12 (village)
digits; a region is inside another when its adcode starts with the other's. Every hot table
carries an adcode so that "inside a jurisdiction" is an indexed prefix match.
"""

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ADCODE_LENGTHS = (2, 4, 6, 9, 12)


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    COUNTY = "county", _("county")
    TOWNSHIP = "township", _("township")
    VILLAGE = "village", _("village")


LEVEL_BY_ADCODE_LENGTH = dict(zip(ADCODE_LENGTHS, RegionLevel.values, strict=True))


class Region(models.Model):
    adcode = models.CharField(_("adcode"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    boundary = models.MultiPolygonField(_("boundary"), null=True, blank=True)
    # Simplified copy for maps (a county's cells as GeoJSON: 1.6 MB instead of 10 MB).
    display_boundary = models.MultiPolygonField(_("display boundary"), null=True, blank=True)
    area_m2 = models.FloatField(_("area (m²)"), null=True, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["adcode"]
        indexes = [
            # LIKE 'prefix%' needs the pattern opclass under a non-C collation.
            models.Index(
                fields=["adcode"], name="region_adcode_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(adcode__regex=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$"),
                name="region_adcode_digits",
            ),
            models.CheckConstraint(
                condition=Q(boundary__isnull=True) | Q(boundary__isvalid=True),
                name="region_boundary_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.adcode})"

    @property
    def county_adcode(self) -> str | None:
        return self.adcode[:6] if len(self.adcode) >= 6 else None
