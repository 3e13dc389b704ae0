"""Every admin changelist and change page renders for a superuser on demo-like data; filters,
search and autocomplete work; the admin speaks zh-hans by default and English on request; the
admin forms apply the liaison rules."""

import datetime as dt
import uuid

import pytest
from django.contrib import admin
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from backend.grid.models import GridAssignment
from backend.liaison.admin import DutyRuleAdmin, StationLinkForm
from backend.liaison.models import DutyRule, LinkCadence, Station, StationLink
from backend.opinions.models import Opinion
from backend.opinions.services import opinion_create
from backend.visits.models import Visit
from backend.visits.services import checkin_record, visits_ingest
from tests.factories import (
    GridCellFactory,
    MandateFactory,
    RegionFactory,
    StationFactory,
    StationMembershipFactory,
    UserFactory,
    square,
)

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "regions", "grid", "liaison", "visits", "opinions", "coverage"}


@pytest.fixture
def demo_like(county):
    township = RegionFactory(
        adcode="430121001", name="星沙街道", parent=county, boundary=square(113.0, 28.0, 0.05)
    )
    guangxi = RegionFactory(adcode="450922", name="陆川县", boundary=square(110.3, 22.0, 0.1))
    cells = [GridCellFactory(region=township, col=c, row=0) for c in range(3)]
    station = StationFactory(region=township, name="星沙联络站")
    other = StationFactory(
        region=guangxi, name="温地镇联络站", location=Point(110.35, 22.05, srid=4326)
    )
    mandate = MandateFactory(
        deputy__region=township, district_region=township, congress_region=county
    )
    mandate.district_cells.set(cells[:2])
    deputy = mandate.deputy
    StationMembershipFactory(deputy=deputy, station=station)
    StationLink.objects.create(
        station_a=station,
        station_b=other,
        agreement_date=dt.date(2024, 5, 1),
        cadences=[LinkCadence.WEEKLY_RECEPTION],
    )
    now = timezone.now()
    GridAssignment.objects.create(
        deputy=deputy, cell=cells[0], county_adcode="430121", valid_from=now
    )
    [visit] = visits_ingest(
        rows=[
            {
                "deputy_id": deputy.pk,
                "client_uuid": uuid.uuid4(),
                "kind": "household",
                "lon": 113.005,
                "lat": 28.005,
                "accuracy_m": 180.0,
                "recorded_at": now,
                "households": 2,
                "household_ref": "h-1",
                "notes": "",
                "mock_location": False,
            }
        ]
    )
    checkin_record(
        deputy=deputy,
        station=station,
        client_uuid=uuid.uuid4(),
        lon=113.005,
        lat=28.005,
        accuracy_m=8.0,
        recorded_at=now,
    )
    opinion_create(
        deputy=deputy,
        client_uuid=uuid.uuid4(),
        category="roads",
        text="村口道路破损",
        recorded_at=now,
        lon=113.005,
        lat=28.005,
        visit_id=visit.id,
        contact_consent=True,
        citizen_contact="13812341234",
    )
    return {"county": county, "township": township, "cells": cells, "station": station}


@pytest.fixture
def admin_client_zh(client, demo_like):
    user = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def our_model_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OUR_APPS
    ]


def test_every_model_of_ours_is_registered():
    from django.apps import apps

    registered = {model for model, _ in our_model_admins()}
    ours = {
        m
        for m in apps.get_models()
        if m._meta.app_label in OUR_APPS
        and not m._meta.auto_created
        and not m.__name__.startswith("Historical")
    }
    assert ours - registered == set()


def test_every_changelist_and_change_page_renders(admin_client_zh):
    for model, _model_admin in our_model_admins():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = admin_client_zh.get(changelist)
        assert response.status_code == 200, changelist
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        response = admin_client_zh.get(change)
        assert response.status_code == 200, change


def test_geometry_pages_carry_a_leaflet_map(admin_client_zh, demo_like):
    cell = demo_like["cells"][0]
    page = admin_client_zh.get(reverse("admin:grid_gridcell_change", args=[cell.pk]))
    assert b"leaflet" in page.content and b"id_boundary" in page.content
    visit = Visit.objects.get()
    page = admin_client_zh.get(reverse("admin:visits_visit_change", args=[visit.pk]))
    assert b"id_location_view" in page.content  # read-only map of a service-written record


def test_admin_is_chinese_by_default_and_english_on_request(admin_client_zh):
    url = reverse("admin:grid_gridcell_changelist")
    zh = admin_client_zh.get(url).content.decode()
    assert "网格" in zh
    en = admin_client_zh.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "grid cells" in en.lower() and "网格单元" not in en


def test_county_and_township_filters_narrow_the_list(admin_client_zh, demo_like):
    url = reverse("admin:grid_gridcell_changelist")
    page = admin_client_zh.get(url, {"county": "430121", "township": "430121001"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 3
    page = admin_client_zh.get(url, {"county": "450922"})
    assert page.context["cl"].result_count == 0


def test_search_and_autocomplete_for_big_foreign_keys(admin_client_zh, demo_like):
    page = admin_client_zh.get(reverse("admin:liaison_station_changelist"), {"q": "星沙"})
    assert page.context["cl"].result_count == 1
    auto = admin_client_zh.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "liaison",
            "model_name": "mandate",
            "field_name": "district_cells",
            "term": demo_like["cells"][0].code,
        },
    )
    assert auto.status_code == 200
    assert [r["id"] for r in auto.json()["results"]] == [str(demo_like["cells"][0].pk)]


def test_service_written_records_are_view_only(admin_client_zh):
    add = admin_client_zh.get(reverse("admin:visits_visit_add"))
    assert add.status_code == 403
    opinion = Opinion.objects.get()
    page = admin_client_zh.get(reverse("admin:opinions_opinion_change", args=[opinion.pk]))
    assert b"13812341234" not in page.content
    assert b"*******1234" in page.content


def test_station_link_form_refuses_same_province(demo_like):
    station = demo_like["station"]
    same = StationFactory(region=demo_like["township"], name="第二联络点")
    form = StationLinkForm(
        data={
            "station_a": station.pk,
            "station_b": same.pk,
            "agreement_date": "2024-05-01",
            "cadences": [LinkCadence.MONTHLY_EXCHANGE],
        }
    )
    assert not form.is_valid()
    assert "different provinces" in str(form.errors) or "不同省份" in str(form.errors)


def admin_form(model, rf, user):
    """The form class the admin really uses (Leaflet widgets: GeoJSON in WGS-84)."""
    request = rf.get("/")
    request.user = user
    return admin.site._registry[model].get_form(request)


def test_station_form_checks_location_and_six_haves(demo_like, rf):
    township = demo_like["township"]
    StationForm = admin_form(Station, rf, UserFactory(is_superuser=True, is_staff=True))
    data = {
        "kind": "point",
        "name": "某村联络点",
        "region": township.pk,
        "location": Point(113.01, 28.01, srid=4326).geojson,
        "geofence_radius_m": 200,
        "six_haves": ["sign", "plan"],
    }
    form = StationForm(data=data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["six_haves"] == {
        "sign": True,
        "premises": False,
        "rules": False,
        "boards": False,
        "plan": True,
        "records": False,
    }
    outside = StationForm(data={**data, "location": Point(114.0, 29.0, srid=4326).geojson})
    assert not outside.is_valid() and "location" in outside.errors


def test_duty_rule_form_checks_the_kind_and_previews_ten_dates(demo_like, rf):
    station = StationFactory(region=demo_like["township"], duty_rule=None)
    DutyRuleForm = admin_form(DutyRule, rf, UserFactory(is_superuser=True, is_staff=True))
    data = {
        "station": station.pk,
        "purpose": "duty",
        "kind": "nth_weekday",
        "nth": 4,
        "weekday": 3,
        "opens_at": "09:00",
        "closes_at": "12:00",
        "holiday_policy": "moved",
    }
    form = DutyRuleForm(data=data)
    assert form.is_valid(), form.errors
    rule = form.save()
    preview = DutyRuleAdmin(DutyRule, admin.site).preview(rule)
    assert len(preview.split("、")) == 10
    assert not DutyRuleForm(data={**data, "weekday": 9}).is_valid()
    assert not DutyRuleForm(data={**data, "kind": "half_month"}).is_valid()  # no month_day
    assert not DutyRuleForm(data={**data, "closes_at": "08:00"}).is_valid()


def test_changelists_do_not_query_per_row(admin_client_zh, demo_like):
    """The list pages' query counts do not grow with the rows (no N+1 on foreign keys)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pages = [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m, _ in our_model_admins()
    ]

    def counts():
        result = {}
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert admin_client_zh.get(url).status_code == 200
            result[url] = len(queries)
        return result

    before = counts()
    township, station = demo_like["township"], demo_like["station"]
    for _ in range(4):
        mandate = MandateFactory(
            deputy__region=township,
            deputy__user=UserFactory(),
            district_region=township,
            congress_region=demo_like["county"],
        )
        StationMembershipFactory(deputy=mandate.deputy, station=station)
        GridCellFactory(region=township, col=5, row=5)
        StationFactory(region=township)
    assert counts() == before


def test_shared_admin_region_levels_are_the_region_model_levels():
    """backend.core.admin names the levels without importing regions (it is below every app)."""
    from backend.core.admin import COUNTY_LEVEL, TOWNSHIP_LEVEL
    from backend.regions.models import RegionLevel

    assert (COUNTY_LEVEL, TOWNSHIP_LEVEL) == (RegionLevel.COUNTY, RegionLevel.TOWNSHIP)


def test_the_admin_an_officer_reads(admin_client_zh, demo_like):
    """Titled as the product, third-party sections in Chinese, records named by what they are,
    times in Asia/Shanghai, distances and areas rounded with their units."""
    index = admin_client_zh.get(reverse("admin:index")).content.decode()
    assert "人大代表进网格" in index and "Django" not in index
    for section in ("登录锁定", "后台任务", "已签发令牌", "登录尝试"):
        assert section in index, section

    opinion = Opinion.objects.get()
    assert str(opinion) == f"意见建议 #{opinion.pk} 道路交通 · 已登记"
    page = admin_client_zh.get(reverse("admin:opinions_opinion_changelist")).content.decode()
    assert "object (" not in page

    # 03:29 in Beijing is 19:29 UTC the day before: shown as Beijing time.
    visit = Visit.objects.get()
    Visit.objects.filter(pk=visit.pk).update(
        recorded_at=dt.datetime(2026, 3, 1, 19, 29, tzinfo=dt.UTC)
    )
    visit.refresh_from_db()
    assert str(visit).endswith("2026-03-02 03:29")

    checkins = admin_client_zh.get(reverse("admin:visits_checkin_changelist")).content.decode()
    assert " 米<" in checkins  # the distance to the station, whole metres
    cell = demo_like["cells"][0]
    change = admin_client_zh.get(reverse("admin:grid_gridcell_change", args=[cell.pk]))
    assert " km²" in change.content.decode()
