"""opinion_create: consent, minimal storage, masking, 24 h due date, idempotency, events."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from backend.core.errors import DomainError, NotFound
from backend.opinions.models import Opinion, OpinionTransition
from backend.opinions.selectors import FieldOpinion, mask_contact, opinion_list, opinion_masked
from backend.opinions.services import normalise_contact, opinion_create
from backend.visits.services import visits_ingest
from tests.factories import DeputyFactory, cell_center

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def deputy(county):
    return DeputyFactory(region=county)


def create(deputy, **extra):
    kwargs = {
        "deputy": deputy,
        "client_uuid": uuid.uuid4(),
        "category": "water",
        "text": "井水浑浊",
        "recorded_at": timezone.now() - dt.timedelta(minutes=1),
    }
    kwargs.update(extra)
    return opinion_create(**kwargs)


def test_created_with_cell_due_date_and_history(deputy, cells_3x3):
    lon, lat = cell_center(cells_3x3[2])
    before = timezone.now()
    result = create(deputy, lon=lon, lat=lat)
    opinion = result.opinion
    assert result.status == "created"
    assert (opinion.cell_id, opinion.adcode, opinion.county_adcode) == (
        cells_3x3[2].id,
        "430121",
        "430121",
    )
    assert (
        before + dt.timedelta(hours=24) <= opinion.due_at <= timezone.now() + dt.timedelta(hours=24)
    )
    transition = OpinionTransition.objects.get(opinion=opinion)
    assert (transition.from_status, transition.to_status, transition.by_id) == (
        "",
        "registered",
        deputy.user_id,
    )


def test_without_location_uses_the_deputys_adcodes(deputy):
    opinion = create(deputy).opinion
    assert (opinion.location, opinion.cell_id, opinion.county_adcode) == (None, None, "430121")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("138 1234 1234", "13812341234"),
        ("+86 13812341234", "13812341234"),
        ("0755-12345678", "075512345678"),
    ],
)
def test_contact_stored_as_digits_only(deputy, raw, stored):
    opinion = create(deputy, contact_consent=True, citizen_contact=raw).opinion
    assert Opinion.objects.get(id=opinion.id).citizen_contact == stored
    assert normalise_contact(raw) == stored


def test_contact_without_consent_is_refused(deputy):
    with pytest.raises(DomainError) as error:
        create(deputy, citizen_contact="13812341234")
    assert error.value.code == "opinion.contact_without_consent"
    assert Opinion.objects.count() == 0


@pytest.mark.parametrize("raw", ["call me", "12", "1" * 30, "138<script>"])
def test_invalid_contact(deputy, raw):
    with pytest.raises(DomainError) as error:
        create(deputy, contact_consent=True, citizen_contact=raw)
    assert error.value.code == "opinion.invalid_contact"


def test_unknown_category(deputy):
    with pytest.raises(DomainError) as error:
        create(deputy, category="gossip")
    assert error.value.code == "opinion.invalid_category"


def test_retry_duplicate_and_conflict(deputy):
    key = uuid.uuid4()
    recorded = timezone.now()
    first = create(deputy, client_uuid=key, recorded_at=recorded)
    again = create(deputy, client_uuid=key, recorded_at=recorded)
    assert again.status == "duplicate" and again.opinion.id == first.opinion.id
    with pytest.raises(DomainError) as error:
        create(deputy, client_uuid=key, recorded_at=recorded, text="别的事")
    assert (error.value.code, error.value.status) == ("opinion.conflict", 409)


def test_linked_visit_must_be_the_deputys(deputy, county, cells_3x3):
    lon, lat = cell_center(cells_3x3[4])
    visit_id = visits_ingest(
        rows=[
            {
                "deputy_id": deputy.id,
                "client_uuid": uuid.uuid4(),
                "kind": "household",
                "lon": lon,
                "lat": lat,
                "accuracy_m": 5.0,
                "recorded_at": timezone.now(),
                "households": 1,
                "household_ref": "",
                "notes": "",
                "mock_location": False,
            }
        ]
    )[0].id
    other = DeputyFactory(region=county)
    with pytest.raises(NotFound):
        create(other, visit_id=visit_id)
    opinion = create(deputy, visit_id=visit_id).opinion
    assert opinion.cell_id == cells_3x3[4].id and opinion.location.x == pytest.approx(lon)


def test_event_published_on_commit(deputy, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "backend.core.events.publish",
        lambda county, event, payload: sent.append((county, event, payload)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        opinion = create(deputy).opinion
    assert sent == [
        (
            "430121",
            "opinion.created",
            {
                "items": [
                    {
                        "id": opinion.id,
                        "category": "water",
                        "status": "registered",
                        "cell_id": None,
                        "cell_name": None,
                        "place": None,
                        "adcode": "430121",
                        "county_adcode": "430121",
                        "recorded_at": opinion.recorded_at.isoformat(),
                    }
                ]
            },
        )
    ]


def test_list_is_per_deputy_and_masking(deputy, county):
    create(deputy)
    create(DeputyFactory(region=county))
    assert opinion_list(deputy=deputy).count() == 1
    assert mask_contact("13812341234") == "*******1234"


def test_phone_reads_are_masked_inside_the_selector(deputy):
    """The field app's reads never hand out a model row: a list page, one opinion fetched or
    returned by a service, all come out of the selector as FieldOpinion with the contact masked."""
    first = create(deputy, contact_consent=True, citizen_contact="13812341234").opinion
    second = create(deputy, contact_consent=True, citizen_contact="0731-8461 2345").opinion
    assert Opinion.objects.get(id=first.id).citizen_contact == "13812341234"  # stored in full
    rows = opinion_list(deputy=deputy)
    page = rows[0:2]
    assert [(type(r), r.id, r.citizen_contact) for r in page] == [
        (FieldOpinion, second.id, "********2345"),
        (FieldOpinion, first.id, "*******1234"),
    ]
    assert [r.id for r in rows[1:]] == [first.id] and len(rows) == 2
    one = opinion_masked(first)
    assert (type(one), one.citizen_contact, one.text, one.status) == (
        FieldOpinion,
        "*******1234",
        "井水浑浊",
        "registered",
    )
    with pytest.raises(AttributeError):
        one.save()  # type: ignore[attr-defined]
