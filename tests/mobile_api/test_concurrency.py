"""Concurrent retries: 8 identical uploads at once (threads, separate DB connections)."""

import threading

import pytest
from django.db import connection

from backend.opinions.models import Opinion
from backend.visits.models import Visit

from .conftest import Api

RETRIES = 8


def _together(work):
    """Run `work(i)` in RETRIES threads released at the same instant; return their results."""
    barrier = threading.Barrier(RETRIES)
    results = [None] * RETRIES
    errors = []

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RETRIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_retries_of_one_batch_make_exactly_one_row_each(deputy, assigned, record):
    api = Api()
    api.login("deputy1")
    records = [record() for _ in range(3)]

    def upload(_i):
        client = Api()
        client.access = api.access
        response = client.post("visits/sync", {"records": records})
        assert response.status_code == 200, response.content
        return [r["status"] for r in response.json()["results"]]

    statuses = _together(upload)
    assert Visit.objects.count() == 3
    for position in range(3):
        column = sorted(s[position] for s in statuses)
        assert column == ["created"] + ["duplicate"] * (RETRIES - 1)
    assert Visit.objects.values("client_uuid").distinct().count() == 3


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_opinion_retries_make_one_row(deputy):
    api = Api()
    api.login("deputy1")
    payload = {
        "client_uuid": "6f1c2a9e-8b7d-4c6e-9f01-2a3b4c5d6e7f",
        "category": "water",
        "text": "自来水压力不足",
        "recorded_at": "2026-11-16T09:30:00+08:00",
    }

    def upload(_i):
        client = Api()
        client.access = api.access
        response = client.post("opinions", payload)
        return response.status_code, response.json().get("result")

    outcomes = _together(upload)
    assert sorted(outcomes) == [(200, "duplicate")] * (RETRIES - 1) + [(201, "created")]
    assert Opinion.objects.count() == 1
