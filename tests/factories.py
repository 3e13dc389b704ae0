"""factory_boy factories that keep relations consistent: region → cell → station → deputy → user.

Geometry is built in a small synthetic county around (113.0E, 28.0N); a cell's boundary lies
inside its region's, a station inside its region, adcodes always agree with the region.
"""

import datetime as dt
import itertools

import factory
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.grid.models import CellSource, GridCell
from backend.liaison.models import (
    CongressLevel,
    Deputy,
    DutyRule,
    Mandate,
    RuleKind,
    Station,
    StationKind,
    StationMembership,
)
from backend.regions.models import Region, RegionLevel

COUNTY_ORIGIN = (113.0, 28.0)
_cell_seq = itertools.count()


def square(lon: float, lat: float, size_deg: float) -> MultiPolygon:
    """An axis-aligned square MultiPolygon (SRID 4326) with its south-west corner at lon, lat."""
    ring = (
        (lon, lat),
        (lon + size_deg, lat),
        (lon + size_deg, lat + size_deg),
        (lon, lat + size_deg),
        (lon, lat),
    )
    return MultiPolygon(Polygon(ring), srid=4326)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("adcode",)

    adcode = "430121"
    name = factory.LazyAttribute(lambda o: f"测试县{o.adcode}")
    level = factory.LazyAttribute(
        lambda o: {
            2: RegionLevel.PROVINCE,
            4: RegionLevel.CITY,
            6: RegionLevel.COUNTY,
            9: RegionLevel.TOWNSHIP,
        }.get(len(o.adcode), RegionLevel.VILLAGE)
    )
    boundary = factory.LazyFunction(lambda: square(*COUNTY_ORIGIN, 0.1))
    area_m2 = 1.0e8


class GridCellFactory(factory.django.DjangoModelFactory):
    """A 0.01° square cell at column/row (col, row) of the county grid."""

    class Meta:
        model = GridCell
        exclude = ("col", "row")

    col = 0
    row = 0
    region = factory.SubFactory(RegionFactory)
    code = factory.LazyFunction(lambda: f"T-{next(_cell_seq):06d}")
    name = factory.LazyAttribute(lambda o: f"网格{o.code}")
    adcode = factory.SelfAttribute("region.adcode")
    county_adcode = factory.LazyAttribute(lambda o: o.region.adcode[:6])
    boundary = factory.LazyAttribute(
        lambda o: square(COUNTY_ORIGIN[0] + 0.01 * o.col, COUNTY_ORIGIN[1] + 0.01 * o.row, 0.01)
    )
    area_m2 = 1.0e6
    households = 100
    population = 300
    source = CellSource.SQUARE


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station
        skip_postgeneration_save = True

    kind = StationKind.STATION
    name = factory.Sequence(lambda n: f"联络站{n}")
    location = factory.LazyFunction(lambda: Point(113.005, 28.005, srid=4326))
    region = factory.SubFactory(RegionFactory)
    adcode = factory.SelfAttribute("region.adcode")
    county_adcode = factory.LazyAttribute(lambda o: o.region.adcode[:6])
    # 逢六进站; pass duty_rule=None for a station without a rule.
    duty_rule = factory.RelatedFactory(
        "tests.factories.DutyRuleFactory", factory_related_name="station"
    )


class DutyRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyRule

    station = factory.SubFactory(StationFactory, duty_rule=None)
    kind = RuleKind.DAY_DIGIT
    digit = 6


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.DEPUTY
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DeputyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deputy

    user = factory.SubFactory(UserFactory, role=Role.DEPUTY)
    name = factory.Sequence(lambda n: f"代表{n}")
    region = factory.SubFactory(RegionFactory)
    adcode = factory.SelfAttribute("region.adcode")
    county_adcode = factory.LazyAttribute(lambda o: o.region.adcode[:6])


class MandateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mandate

    deputy = factory.SubFactory(DeputyFactory)
    level = CongressLevel.COUNTY
    congress_region = factory.SelfAttribute("deputy.region")
    district_region = factory.SelfAttribute("deputy.region")
    term_number = 18
    term_start = dt.date(2021, 10, 1)
    term_end = dt.date(2026, 12, 31)


class StationMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StationMembership

    deputy = factory.SubFactory(DeputyFactory)
    station = factory.SubFactory(StationFactory)
    since = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))


# --- appended by the API helper: assignments, devices and field-record helpers ------------------
class GridAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "grid.GridAssignment"

    deputy = factory.SubFactory(DeputyFactory)
    cell = factory.SubFactory(GridCellFactory)
    county_adcode = factory.SelfAttribute("cell.county_adcode")
    valid_from = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    status = "active"


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mobile_api.Device"

    user = factory.SubFactory(UserFactory)
    device_uid = factory.Sequence(lambda n: f"device-{n:04d}")
    name = "测试手机"
    platform = "android"


def cell_center(cell) -> tuple[float, float]:
    """(lon, lat) of a factory cell's centre."""
    centroid = cell.boundary.centroid
    return centroid.x, centroid.y
