"""Abstract models for the columns every field record shares.

The database columns, constraints and indexes are exactly those each model declared before the
kernel (no migration): names use `%(class)s` (`visit_unique_client_uuid`,
`checkin_county_time`). A concrete model may narrow a field (an opinion's location is optional).
The two relations are built by `deputy_field` / `cell_field` in each model: a related name
written `%(class)ss` in an abstract model would be a migration of every field record (Django
keeps the unformatted name in the migration state).
"""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _


def deputy_field(related_name: str, *, db_index: bool = True) -> models.ForeignKey:
    """Who took the record down (`FieldRecord.deputy`). `db_index=False` where a composite
    index already starts with the deputy (a second index only slows every insert)."""
    return models.ForeignKey(
        "liaison.Deputy",
        verbose_name=_("deputy"),
        on_delete=models.PROTECT,
        related_name=related_name,
        db_index=db_index,
    )


def cell_field(related_name: str, *, db_index: bool = True) -> models.ForeignKey:
    """The grid cell the record was placed in at ingest (`backend.records.services.cell_at`);
    none when its point lies in no cell. `db_index=False` as for `deputy_field`."""
    return models.ForeignKey(
        "grid.GridCell",
        verbose_name=_("grid cell"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
        db_index=db_index,
    )


class FieldRecord(models.Model):
    """A record taken down by a deputy: who (`deputy = deputy_field(...)` in the concrete
    model), the phone's idempotency key and content hash, where, when, and the adcodes resolved
    at ingest (never passed by callers)."""

    # Unique per deputy (`%(class)s_unique_client_uuid`): a retried upload is a replay.
    client_uuid = models.UUIDField(_("client UUID"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    location = models.PointField(_("location"))
    recorded_at = models.DateTimeField(_("recorded at"))
    adcode = models.CharField(_("adcode"), max_length=12, blank=True)
    county_adcode = models.CharField(_("county adcode"), max_length=6, blank=True)

    class Meta:
        abstract = True
        ordering = ["-recorded_at"]
        indexes = [
            models.Index(fields=["county_adcode", "recorded_at"], name="%(class)s_county_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["deputy", "client_uuid"], name="%(class)s_unique_client_uuid"
            ),
        ]


class PhoneFix(FieldRecord):
    """A field record whose place is a GPS fix: its accuracy, when the server received it, and
    the plausibility flags set at ingest (stored, never used to reject)."""

    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    flags = ArrayField(
        models.CharField(max_length=30),
        verbose_name=_("plausibility flags"),
        default=list,
        blank=True,
    )

    class Meta(FieldRecord.Meta):
        abstract = True
        indexes = [
            *FieldRecord.Meta.indexes,
            models.Index(fields=["deputy", "recorded_at"], name="%(class)s_deputy_time"),
        ]
