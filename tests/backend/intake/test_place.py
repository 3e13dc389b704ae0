"""The place of a citizen's opinion (issue 12: "the phone's position with consent, or a point
picked on a small map"): the server accepts a point only inside the area the scanned code serves
(the county's boundary, else the station's own region's, ~500 m of tolerance at the border; with
no boundary on record, 50 km around the station), and says so clearly otherwise. The QR page
carries the area's outline and the station for the map, under the strict CSP."""

import json

import pytest
from captcha.models import CaptchaStore
from django.core.cache import caches
from django.urls import reverse

from backend.intake.models import CitizenSubmission
from backend.opinions.models import Opinion
from tests.factories import MandateFactory, RegionFactory, StationFactory, square
from tests.map_ui.test_csp import _assert_csp_clean

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.INTAKE_RATE_LIMITS = {"ip": (100, 3600), "phone": (100, 86400), "track": (100, 3600)}
    caches["mobile_api_throttle"].clear()
    yield
    caches["mobile_api_throttle"].clear()


@pytest.fixture
def place(county):
    township = RegionFactory(adcode="430121001", parent=county, boundary=square(113.0, 28.0, 0.05))
    station = StationFactory(region=township, name="星沙联络站")
    deputy = MandateFactory(deputy__region=township, deputy__name="张代表").deputy
    return {"county": county, "township": township, "station": station, "deputy": deputy}


def submit(client, url, **fields):
    key = CaptchaStore.generate_key()
    body = {
        "category": "roads",
        "text": "路灯坏了",
        "captcha_key": key,
        "captcha": CaptchaStore.objects.get(hashkey=key).response,
        **fields,
    }
    return client.post(url, json.dumps(body), content_type="application/json")


def station_url(station):
    return reverse("intake:submit-station", args=[station.id])


def test_a_point_inside_the_area_is_kept(place, client):
    response = submit(client, station_url(place["station"]), lon=113.02, lat=28.03)
    assert response.status_code == 201, response.content
    opinion = CitizenSubmission.objects.get(tracking_code=response.json()["tracking_code"]).opinion
    assert (round(opinion.location.x, 6), round(opinion.location.y, 6)) == (113.02, 28.03)
    # 300 m past the county's outline (113.0-113.1°E): a fix at the border still counts.
    assert submit(client, station_url(place["station"]), lon=113.1027, lat=28.01).status_code == 201


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(116.397, 39.909), (113.11, 28.01), (0.0, 0.0), (-73.98, 40.75), (180, 90)],
)
def test_a_point_outside_the_area_is_refused_clearly(place, client, lon, lat):
    for url in (
        station_url(place["station"]),
        reverse("intake:submit-deputy", args=[place["deputy"].id]),
    ):
        response = submit(client, url, lon=lon, lat=lat)
        assert response.status_code == 400, response.content
        body = response.json()
        assert (body["code"], body["field"]) == ("intake.location_out_of_area", "location")
        assert place["county"].name in body["message"]
    assert Opinion.objects.count() == 0


def test_the_township_is_the_area_when_the_county_has_no_boundary(place, client, county):
    county.boundary = None
    county.save()
    assert submit(client, station_url(place["station"]), lon=113.04, lat=28.04).status_code == 201
    response = submit(client, station_url(place["station"]), lon=113.08, lat=28.04)
    assert response.json()["code"] == "intake.location_out_of_area"
    assert place["township"].name in response.json()["message"]


def test_without_any_boundary_50_km_around_the_station(client):
    bare = RegionFactory(adcode="430124", name="宁乡市", boundary=None)
    station = StationFactory(region=bare, location="SRID=4326;POINT(112.55 28.25)")
    assert submit(client, station_url(station), lon=112.7, lat=28.3).status_code == 201
    response = submit(client, station_url(station), lon=113.5, lat=28.3)
    assert (response.status_code, response.json()["code"]) == (400, "intake.location_out_of_area")


def test_half_a_point_or_a_bad_one_is_invalid(place, client):
    for fields in ({"lon": 113.02}, {"lon": 113.02, "lat": "28"}, {"lon": 200, "lat": 28}):
        response = submit(client, station_url(place["station"]), **fields)
        assert response.json()["code"] == "intake.invalid_location", fields


def test_the_page_carries_the_map_outline_and_is_csp_clean(place, client):
    page = client.get(reverse("intake:speak-station", args=[place["station"].id]))
    html = page.content.decode()
    assert 'id="f-pick"' in html and 'id="f-map"' in html and "leaflet/leaflet.js" in html
    config = json.loads(
        html.split('id="intake-config" type="application/json">')[1].split("</script>")[0]
    )
    outline = config["map"]["outline"]["geometry"]
    assert outline["type"] in ("Polygon", "MultiPolygon")
    lat, lon = config["map"]["centre"]
    assert (round(lon, 4), round(lat, 4)) == (
        round(place["station"].location.x, 4),
        round(place["station"].location.y, 4),
    )
    _assert_csp_clean(page, "/s/station/")
    deputy_page = client.get(reverse("intake:speak-deputy", args=[place["deputy"].id]))
    _assert_csp_clean(deputy_page, "/s/deputy/")
