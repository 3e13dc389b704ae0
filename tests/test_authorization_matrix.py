"""The authorization matrix: who gets what, on every endpoint, written down as one table.

Rows are endpoints (phone API, map data API, tiles, pages, the phone app's files, the account
pages, the admin); columns are the ten callers of ROLES, in that order; a row that takes an
object has one line of expected status codes per object: `A` lies in 长沙县's 星沙街道 and
belongs to deputy A, `B` lies in another county (宁乡市) and belongs to that county's deputy.
`-` means the row takes no object; a row named "name POST" is the same pattern's other method. Writes are sent with bodies that stop short of changing
anything for those allowed through (400 or 409), so the gates, not the effects, are measured.

Wherever an object is refused (401, 403, 404) the body must be byte-identical to the answer for
an object that does not exist: missing and forbidden look the same. A code marked `*` is a
refusal on the caller's own object (a deputy may not close their own opinion): they know it
exists, so that answer may differ. Every URL pattern of the project must
have a row (the admin's are covered by its rows as a whole: one admin_view guards them all), so
an endpoint added without one fails here. The websocket has its own small table below.
"""

# ruff: noqa: E501  (the table's rows are one line each, to be read as a table)
from __future__ import annotations

import datetime as dt
import math
import re
import uuid

import pytest
from asgiref.sync import sync_to_async
from captcha.models import CaptchaStore
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from backend.accounts.access import jurisdiction_of
from backend.accounts.models import Role
from backend.asgi import application
from backend.campaigns.services import campaign_create
from backend.exports.models import ExportJob
from backend.intake.services import citizen_submit
from backend.liaison.models import DutyRequest, StationLink
from backend.projects.models import ProjectCall, ProjectStatus, Proposal, ProposalStage
from backend.regions.models import Region
from backend.stationlife.models import Deliberation
from backend.visits.services import checkin_record
from tests.coverage_world import build_world
from tests.factories import UserFactory

ROLES = (
    "deputy_a",  # 张代表, 星沙街道 (430121001), 长沙县
    "deputy_b",  # 李代表, 泉塘街道 (430121002), same county
    "deputy_x",  # 赵代表, 宁乡市 (430182), another county
    "staff_t",  # station staff of 星沙街道
    "staff_c",  # station staff of 长沙县
    "leader",  # leader of 长沙县
    "leader_x",  # leader of 宁乡市
    "admin",  # superuser, is_staff
    "anon",
    "gone",  # deputy A's colleague 王代表, logged in on both, then deactivated
)
MISSING_ID = 987_654_321
# An object that does not exist, for comparing 404 bodies (forbidden must look like missing).
MISSING = {"id": MISSING_ID, "cell": MISSING_ID, "region": "430199", "tx": 0, "ty": 0}

# name: (method, path template, body, {"-"|"A"|"B": "codes in ROLES order"})
# Path placeholders: {id} (the object's id, or MISSING_ID), {region}, {cell}, {lon}, {lat}.
PHONE = "/api/mobile/v1/"
MAP = "/api/map/v1/"
E = "{}"
# fmt: off
MATRIX: dict[str, tuple[str, str, str | None, dict[str, str]]] = {
    # --- phone API (JWT; only deputies get tokens) ------------------------------------------
    "mobile_api:login": ("POST", PHONE + "auth/login", E, {"-": "400 400 400 400 400 400 400 400 400 400"}),
    "mobile_api:refresh": ("POST", PHONE + "auth/refresh", E, {"-": "400 400 400 400 400 400 400 400 400 400"}),
    "mobile_api:devices": ("GET", PHONE + "devices", None, {"-": "200 200 200 401 401 401 401 401 401 401"}),
    "mobile_api:device-revoke": ("POST", PHONE + "devices/{id}/revoke", E, {
        "A": "200 404 404 401 401 401 401 401 401 401",
        "B": "404 404 200 401 401 401 401 401 401 401",
    }),
    "mobile_api:me": ("GET", PHONE + "me", None, {"-": "200 200 200 401 401 401 401 401 401 401"}),
    "mobile_api:my-record": ("GET", PHONE + "me/record", None, {"-": "200 200 200 401 401 401 401 401 401 401"}),
    "mobile_api:my-disputes": ("POST", PHONE + "me/points/disputes", E, {"-": "400 400 400 401 401 401 401 401 401 401"}),
    "mobile_api:my-duty": ("GET", PHONE + "me/duty", None, {"-": "200 200 200 401 401 401 401 401 401 401"}),
    "mobile_api:my-duty-requests": ("GET", PHONE + "me/duty/requests", None, {"-": "200 200 200 401 401 401 401 401 401 401"}),
    "mobile_api:my-deliberations": ("GET", PHONE + "me/deliberations", None, {"-": "200 200 200 401 401 401 401 401 401 401"}),
    "mobile_api:my-duty-requests POST": ("POST", PHONE + "me/duty/requests", E, {"-": "400 400 400 401 401 401 401 401 401 401"}),
    # the objects are approved requests: withdrawing one's own is 409, nothing changes
    "mobile_api:my-duty-request-withdraw": ("POST", PHONE + "me/duty/requests/{id}/withdraw", E, {
        "A": "409 404 404 401 401 401 401 401 401 401",
        "B": "404 404 409 401 401 401 401 401 401 401",
    }),
    "mobile_api:my-cells": ("GET", PHONE + "me/cells", None, {"-": "200 200 200 401 401 401 401 401 401 401"}),
    "mobile_api:stations-nearby": ("GET", PHONE + "stations/nearby?lon={lon}&lat={lat}", None, {
        "A": "200 200 200 401 401 401 401 401 401 401",
    }),
    "mobile_api:checkins": ("POST", PHONE + "checkins", E, {"-": "400 400 400 401 401 401 401 401 401 401"}),
    "mobile_api:checkin-detail": ("GET", PHONE + "checkins/{id}", None, {
        "A": "200 404 404 401 401 401 401 401 401 401",
        "B": "404 404 200 401 401 401 401 401 401 401",
    }),
    "mobile_api:visits": ("GET", PHONE + "visits", None, {"-": "200 200 200 401 401 401 401 401 401 401"}),
    "mobile_api:visits-sync": ("POST", PHONE + "visits/sync", E, {"-": "400 400 400 401 401 401 401 401 401 401"}),
    "mobile_api:visit-detail": ("GET", PHONE + "visits/{id}", None, {
        "A": "200 404 404 401 401 401 401 401 401 401",
        "B": "404 404 200 401 401 401 401 401 401 401",
    }),
    "mobile_api:opinions": ("GET", PHONE + "opinions", None, {"-": "200 200 200 401 401 401 401 401 401 401"}),
    "mobile_api:opinion-detail": ("GET", PHONE + "opinions/{id}", None, {
        "A": "200 404 404 401 401 401 401 401 401 401",
        "B": "404 404 200 401 401 401 401 401 401 401",
    }),
    "mobile_api:opinion-answer": ("POST", PHONE + "opinions/{id}/answer", E, {
        "A": "400 404 404 401 401 401 401 401 401 401",
        "B": "404 404 400 401 401 401 401 401 401 401",
    }),
    # livelihood projects: what a deputy reaches is their congresses' (tests/mobile_api/test_projects_api.py)
    "mobile_api:project-calls": ("GET", PHONE + "project-calls", None, {"-": "200 200 200 401 401 401 401 401 401 401"}),
    "mobile_api:project-proposals": ("POST", PHONE + "project-calls/{id}/proposals", E, {"-": "404 404 404 401 401 401 401 401 401 401"}),
    "mobile_api:ballots": ("GET", PHONE + "ballots", None, {"-": "200 200 200 401 401 401 401 401 401 401"}),
    "mobile_api:ballot-detail": ("GET", PHONE + "ballots/{id}", None, {"-": "404 404 404 401 401 401 401 401 401 401"}),
    "mobile_api:ballot-vote": ("POST", PHONE + "ballots/{id}/vote", E, {"-": "404 404 404 401 401 401 401 401 401 401"}),
    "mobile_api:project-supervisions": ("POST", PHONE + "projects/{id}/supervisions", E, {"-": "404 404 404 401 401 401 401 401 401 401"}),
    "mobile_api:project-evaluation": ("POST", PHONE + "projects/{id}/evaluation", E, {"-": "404 404 404 401 401 401 401 401 401 401"}),
    "mobile_api:schema": ("GET", PHONE + "schema/", None, {"-": "200 200 200 200 200 200 200 200 200 200"}),
    "mobile_api:docs": ("GET", PHONE + "docs/", None, {"-": "200 200 200 200 200 200 200 200 200 200"}),
    "mobile_api:redoc": ("GET", PHONE + "redoc/", None, {"-": "200 200 200 200 200 200 200 200 200 200"}),
    "mobile_api:^.*$": ("GET", PHONE + "nothing/here", None, {"-": "404 404 404 404 404 404 404 404 404 404"}),
    # --- map data API (session) -------------------------------------------------------------
    "map-region-stats": ("GET", MAP + "regions/{region}/stats", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-region-overdue": ("GET", MAP + "regions/{region}/overdue", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-cells": ("GET", MAP + "cells.geojson?region={region}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-gaps": ("GET", MAP + "gaps?region={region}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-suggestions": ("GET", MAP + "suggestions?cells={cell}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-assignments": ("POST", MAP + "assignments", E, {"-": "403 403 403 400 400 403 403 400 401 401"}),
    "map-clusters": ("GET", MAP + "clusters.geojson?region={region}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-opinion-pins": ("GET", MAP + "opinion-pins.geojson?region={region}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-stations": ("GET", MAP + "stations.geojson?region={region}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-links": ("GET", MAP + "links.geojson?region={region}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-station-rhythm": ("GET", MAP + "stations/{id}/rhythm", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-station-rhythm POST": ("POST", MAP + "stations/{id}/rhythm", E, {
        "A": "403 403 403 400 400 403 403 400 401 401",
        "B": "403 403 403 404 404 403 403 400 401 401",
    }),
    "map-station-attendance": ("GET", MAP + "stations/{id}/attendance", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-station-rota": ("GET", MAP + "stations/{id}/rota", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-station-rota POST": ("POST", MAP + "stations/{id}/rota", E, {
        "A": "404 404 404 400 400 403 403 400 401 401",
        "B": "404 404 404 404 404 403 403 400 401 401",
    }),
    "map-station-receptions": ("GET", MAP + "stations/{id}/receptions", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-station-receptions POST": ("POST", MAP + "stations/{id}/receptions", E, {
        "A": "404 404 404 400 400 403 403 400 401 401",
        "B": "404 404 404 404 404 403 403 400 401 401",
    }),
    "map-duty-requests": ("GET", MAP + "duty-requests", None, {"-": "404 404 404 200 200 200 200 200 401 401"}),
    "map-duty-request-decide": ("POST", MAP + "duty-requests/{id}/decide", E, {
        "A": "404 404 404 400 400 403 403 400 401 401",
        "B": "404 404 404 404 404 403 403 400 401 401",
    }),
    "map-deputy-attendance": ("GET", MAP + "deputies/{id}/attendance", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-rollups": ("GET", MAP + "rollups?region={region}&by=deputy", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-opinions": ("GET", MAP + "opinions?region={region}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-opinion": ("GET", MAP + "opinions/{id}", None, {
        "A": "200 404 404 200 200 200 404 200 401 401",
        "B": "404 404 200 404 404 404 200 200 401 401",
    }),
    "map-opinion-transitions": ("POST", MAP + "opinions/{id}/transitions", '{"action": "close"}', {
        "A": "403* 404 404 409 409 403 403 409 401 401",
        "B": "404 404 403* 404 404 403 403 409 401 401",
    }),
    "map-records": ("GET", MAP + "records?region={region}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-record": ("GET", MAP + "records/{id}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-record-entries": ("POST", MAP + "record-entries", E, {"-": "404 404 404 400 400 403 403 400 401 401"}),
    "map-record-entry-transitions": ("POST", MAP + "record-entries/{id}/transitions", E, {"-": "404 404 404 404 404 403 403 404 401 401"}),
    "map-point-disputes": ("GET", MAP + "point-disputes", None, {"-": "404 404 404 200 200 200 200 200 401 401"}),
    "map-point-dispute-resolve": ("POST", MAP + "point-disputes/{id}/resolve", E, {"-": "404 404 404 404 404 403 403 404 401 401"}),
    "map-point-rules": ("GET", MAP + "point-rules?county={region}", None, {
        "A": "404 404 404 404 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    # livelihood projects (tests/map_ui/test_projects_api.py): staff write, leaders read
    "map-project-calls": ("GET", MAP + "project-calls", None, {"-": "404 404 404 200 200 200 200 200 401 401"}),
    "map-project-calls POST": ("POST", MAP + "project-calls", E, {"-": "404 404 404 400 400 403 403 400 401 401"}),
    "map-project-call-proposals": ("GET", MAP + "project-calls/{id}/proposals", None, {"-": "404 404 404 404 404 404 404 404 401 401"}),
    # a staff proposal into a call of the jurisdiction (the page's form); a leader's write is 403 before any lookup
    "map-project-call-proposals POST": ("POST", MAP + "project-calls/{id}/proposals", E, {
        "A": "404 404 404 400 400 403 403 400 401 401",
        "B": "404 404 404 404 404 403 403 400 401 401",
    }),
    # the dashboard's cluster → proposal (the open call found on the server): without a cluster 400
    "map-proposals": ("POST", MAP + "proposals", E, {"-": "404 404 404 400 400 403 403 400 401 401"}),
    "map-proposals cluster": ("POST", MAP + "proposals", '{"cluster": {"id": {id}, "region": "{region}"}}', {
        "A": "404 404 404 404 404 403 403 404 401 401",
        "B": "404 404 404 404 404 403 403 404 401 401",
    }),
    "map-project-call-ballots": ("POST", MAP + "project-calls/{id}/ballots", E, {"-": "404 404 404 404 404 403 403 404 401 401"}),
    "map-proposal-advance": ("POST", MAP + "proposals/{id}/advance", E, {"-": "404 404 404 400 400 403 403 400 401 401"}),
    "map-project-updates": ("POST", MAP + "proposals/{id}/updates", E, {"-": "404 404 404 400 400 403 403 400 401 401"}),
    "map-ballot": ("GET", MAP + "ballots/{id}", None, {"-": "404 404 404 404 404 404 404 404 401 401"}),
    "map-ballot-close": ("POST", MAP + "ballots/{id}/close", E, {"-": "404 404 404 400 400 403 403 400 401 401"}),
    "map-ballot-paper-counts": ("POST", MAP + "ballots/{id}/paper-counts", E, {"-": "404 404 404 400 400 403 403 400 401 401"}),
    "map-projects": ("GET", MAP + "projects.geojson", None, {"-": "404 404 404 200 200 200 200 200 401 401"}),
    "map-projects GET region": ("GET", MAP + "projects.geojson?region={region}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-project-funnel": ("GET", MAP + "project-funnel?region={region}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-targets": ("GET", MAP + "targets?county={region}", None, {
        "A": "404 404 404 404 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    # --- exports: jobs of a region, their progress and file (issue 14) ----------------------
    # campaigns (tests/map_ui/test_campaigns_api.py): staff write, leaders read; A in 星沙街道
    "map-campaigns": ("GET", MAP + "campaigns", None, {"-": "404 404 404 200 200 200 200 200 401 401"}),
    "map-campaigns POST": ("POST", MAP + "campaigns", E, {"-": "404 404 404 400 400 403 403 400 401 401"}),
    "map-campaign": ("GET", MAP + "campaigns/{id}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-campaign POST": ("POST", MAP + "campaigns/{id}", '{"name": null}', {
        "A": "404 404 404 400 400 403 403 400 401 401",
        "B": "404 404 404 404 404 403 403 400 401 401",
    }),
    "map-campaign-untouched": ("GET", MAP + "campaigns/{id}/untouched.geojson", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-exports": ("GET", MAP + "exports", None, {"-": "404 404 404 200 200 200 200 200 401 401"}),
    "map-exports POST": ("POST", MAP + "exports", E, {"-": "404 404 404 400 400 400 400 400 401 401"}),
    # a PDF report of deputy {id} or region {region} (issue 14; year 1800: 400 once through the gate)
    "map-exports POST deputy_pdf": ("POST", MAP + "exports", '{"kind": "deputy_pdf", "deputy": {id}, "year": 1800}', {
        "A": "404 404 404 400 400 400 404 400 401 401",
        "B": "404 404 404 404 404 404 400 400 401 401",
    }),
    "map-exports POST coverage_pdf": ("POST", MAP + "exports", '{"kind": "coverage_pdf", "region": "{region}", "year": 1800}', {
        "A": "404 404 404 400 400 400 404 400 401 401",
        "B": "404 404 404 404 404 404 400 400 401 401",
    }),
    "map-export": ("GET", MAP + "exports/{id}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-export-file": ("GET", MAP + "exports/{id}/file", None, {
        "A": "404 404 404 409 409 409 404 409 401 401",
        "B": "404 404 404 404 404 404 409 409 401 401",
    }),
    # --- station life: deliberation days, action items, cross-province links (issue 13) ----
    "map-station-health": ("GET", MAP + "stations/{id}/health", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-station-league": ("GET", MAP + "station-league?region={region}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-deliberations": ("GET", MAP + "deliberations", None, {"-": "404 404 404 200 200 200 200 200 401 401"}),
    "map-deliberations POST": ("POST", MAP + "deliberations", E, {"-": "404 404 404 400 400 403 403 400 401 401"}),
    "map-deliberation": ("GET", MAP + "deliberations/{id}", None, {
        "A": "404 404 404 200 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-deliberation-topics": ("POST", MAP + "deliberations/{id}/topics", E, {
        "A": "404 404 404 400 400 403 403 400 401 401",
        "B": "404 404 404 404 404 403 403 400 401 401",
    }),
    "map-deliberation-choose": ("POST", MAP + "deliberations/{id}/choose", E, {
        "A": "404 404 404 409 409 403 403 409 401 401",
        "B": "404 404 404 404 404 403 403 409 401 401",
    }),
    "map-deliberation-record": ("POST", MAP + "deliberations/{id}/record", E, {
        "A": "404 404 404 409 409 403 403 409 401 401",
        "B": "404 404 404 404 404 403 403 409 401 401",
    }),
    "map-deliberation-actions": ("POST", MAP + "deliberations/{id}/actions", E, {
        "A": "404 404 404 409 409 403 403 409 401 401",
        "B": "404 404 404 404 404 403 403 409 401 401",
    }),
    "map-action-item-follow": ("POST", MAP + "action-items/{id}/follow", E, {"-": "404 404 404 404 404 403 403 404 401 401"}),
    "map-station-links": ("GET", MAP + "station-links", None, {"-": "404 404 404 200 200 200 200 200 401 401"}),
    "map-station-link": ("GET", MAP + "station-links/{id}", None, {
        "A": "404 404 404 404 200 200 404 200 401 401",
        "B": "404 404 404 404 404 404 200 200 401 401",
    }),
    "map-station-link-activities": ("POST", MAP + "station-links/{id}/activities", E, {
        "A": "404 404 404 404 400 403 403 400 401 401",
        "B": "404 404 404 404 404 403 403 400 401 401",
    }),
    "map-station-link-problems": ("POST", MAP + "station-links/{id}/problems", E, {
        "A": "404 404 404 404 400 403 403 400 401 401",
        "B": "404 404 404 404 404 403 403 400 401 401",
    }),
    "map-cross-border-problem-solve": ("POST", MAP + "cross-border-problems/{id}/solve", E, {"-": "404 404 404 404 404 403 403 404 401 401"}),
    "map_ui.data_urls/^(?:api/map/|tiles/)(?P<rest>.*)$": ("GET", MAP + "nothing", None, {
        "-": "404 404 404 404 404 404 404 404 404 404",
    }),
    # --- OGC API - Features (session or HTTP Basic; region readers only; docs/ogc-api.md) -
    "ogc:landing": ("GET", "/ogc/", None, {"-": "403 403 403 200 200 200 200 200 401 401"}),
    "ogc:conformance": ("GET", "/ogc/conformance", None, {"-": "403 403 403 200 200 200 200 200 401 401"}),
    "ogc:collections": ("GET", "/ogc/collections", None, {"-": "403 403 403 200 200 200 200 200 401 401"}),
    "ogc:collection": ("GET", "/ogc/collections/cells", None, {"-": "403 403 403 200 200 200 200 200 401 401"}),
    "ogc:items": ("GET", "/ogc/collections/cells/items", None, {"-": "403 403 403 200 200 200 200 200 401 401"}),
    "ogc:item": ("GET", "/ogc/collections/cells/items/{cell}", None, {
        "A": "403 403 403 200 200 200 404 200 401 401",
        "B": "403 403 403 404 404 404 200 200 401 401",
    }),
    # --- tiles: scoped by content, so every reader gets a tile (empty outside its area) ------
    "map-tile": ("GET", "/tiles/cells/13/{tx}/{ty}.mvt", None, {
        "A": "404 404 404 200 200 200 200 200 401 401",
        "B": "404 404 404 200 200 200 200 200 401 401",
    }),
    "map-tilejson": ("GET", "/tiles/cells.json", None, {"-": "404 404 404 200 200 200 200 200 401 401"}),
    # the map API's OpenAPI schema is public, like the phone API's (it names no data)
    "map-schema": ("GET", "/api/map/v1/schema/", None, {"-": "200 200 200 200 200 200 200 200 200 200"}),
    # --- pages (login required; deputies work in the phone app) -----------------------------
    "map_ui:home": ("GET", "/", None, {"-": "302 302 302 302 302 302 302 302 302 302"}),
    "map_ui:dashboard": ("GET", "/dashboard/?region={region}", None, {
        "A": "403 403 403 200 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:assign": ("GET", "/assign/?region={region}", None, {
        "A": "403 403 403 200 200 403 403 200 302 302",
        "B": "403 403 403 404 404 403 403 200 302 302",
    }),
    "map_ui:station-link": ("GET", "/stations/links/{id}/", None, {
        "A": "403 403 403 404 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:deliberation": ("GET", "/deliberations/{id}/", None, {
        "A": "403 403 403 200 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:deliberations": ("GET", "/deliberations/?region={region}", None, {
        "A": "403 403 403 200 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:stations": ("GET", "/stations/?region={region}", None, {
        "A": "403 403 403 200 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:duty": ("GET", "/stations/duty/?region={region}", None, {
        "A": "403 403 403 200 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:opinions": ("GET", "/opinions/?region={region}", None, {
        "A": "403 403 403 200 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:projects": ("GET", "/projects/?region={region}", None, {
        "A": "403 403 403 200 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:campaigns": ("GET", "/campaigns/?region={region}", None, {
        "A": "403 403 403 200 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:campaign": ("GET", "/campaigns/{id}/", None, {
        "A": "403 403 403 200 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:exports": ("GET", "/exports/?region={region}", None, {
        "A": "403 403 403 200 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:records": ("GET", "/records/?region={region}", None, {
        "A": "403 403 403 200 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:record": ("GET", "/records/{id}/", None, {
        "A": "403 403 403 200 200 200 404 200 302 302",
        "B": "403 403 403 404 404 404 200 200 302 302",
    }),
    "map_ui:deputy": ("GET", "/deputy/", None, {"-": "200 200 200 200 200 200 200 200 302 302"}),
    # --- the phone app's files (public: the shell logs in through the API) -------------------
    "mobile_app:shell": ("GET", "/m/", None, {"-": "200 200 200 200 200 200 200 200 200 200"}),
    "mobile_app:manifest": ("GET", "/m/manifest.webmanifest", None, {"-": "200 200 200 200 200 200 200 200 200 200"}),
    "mobile_app:service-worker": ("GET", "/m/sw.js", None, {"-": "200 200 200 200 200 200 200 200 200 200"}),
    # --- citizens' intake (上码说): public QR pages and endpoints; staff's printable cards -----
    "intake:speak-station": ("GET", "/s/station/{id}/", None, {
        "A": "200 200 200 200 200 200 200 200 200 200",
        "B": "200 200 200 200 200 200 200 200 200 200",
    }),
    "intake:speak-deputy": ("GET", "/s/deputy/{id}/", None, {
        "A": "200 200 200 200 200 200 200 200 200 200",
        "B": "200 200 200 200 200 200 200 200 200 200",
    }),
    "intake:submit-station": ("POST", "/api/public/v1/intake/station/{id}", E, {
        "A": "400 400 400 400 400 400 400 400 400 400",
        "B": "400 400 400 400 400 400 400 400 400 400",
    }),
    "intake:submit-deputy": ("POST", "/api/public/v1/intake/deputy/{id}", E, {
        "A": "400 400 400 400 400 400 400 400 400 400",
        "B": "400 400 400 400 400 400 400 400 400 400",
    }),
    "intake:track": ("GET", "/t/{id}/", None, {
        "A": "200 200 200 200 200 200 200 200 200 200",
        "B": "200 200 200 200 200 200 200 200 200 200",
    }),
    "intake:rate": ("POST", "/api/public/v1/track/{id}/rate", E, {
        "A": "400 400 400 400 400 400 400 400 400 400",
        "B": "400 400 400 400 400 400 400 400 400 400",
    }),
    "intake:card-station": ("GET", "/intake/card/station/{id}/", None, {
        "A": "404 404 404 200 200 200 404 200 302 302",
        "B": "404 404 404 404 404 404 200 200 302 302",
    }),
    "intake:card-deputy": ("GET", "/intake/card/deputy/{id}/", None, {
        "A": "200 404 404 200 200 200 404 200 302 302",
        "B": "404 404 200 404 404 404 200 200 302 302",
    }),
    "intake:card-station-pdf": ("GET", "/intake/card/station/{id}/card.pdf", None, {
        "A": "404 404 404 200 200 200 404 200 302 302",
        "B": "404 404 404 404 404 404 200 200 302 302",
    }),
    "intake:card-deputy-pdf": ("GET", "/intake/card/deputy/{id}/card.pdf", None, {
        "A": "200 404 404 200 200 200 404 200 302 302",
        "B": "404 404 200 404 404 404 200 200 302 302",
    }),
    # livelihood projects' public pages (no login): a call's proposal page, a done project's rating page
    "projects:propose": ("GET", "/p/call/{id}/", None, {
        "A": "200 200 200 200 200 200 200 200 200 200",
        "B": "200 200 200 200 200 200 200 200 200 200",
    }),
    "projects:rate": ("GET", "/p/project/{id}/", None, {
        "A": "200 200 200 200 200 200 200 200 200 200",
        "B": "200 200 200 200 200 200 200 200 200 200",
    }),
    # their printable QR cards (PDF): staff and leaders of the jurisdiction
    "projects:card-call-pdf": ("GET", "/projects/card/call/{id}.pdf", None, {
        "A": "404 404 404 200 200 200 404 200 302 302",
        "B": "404 404 404 404 404 404 200 200 302 302",
    }),
    "projects:card-project-pdf": ("GET", "/projects/card/project/{id}.pdf", None, {
        "A": "404 404 404 200 200 200 404 200 302 302",
        "B": "404 404 404 404 404 404 200 200 302 302",
    }),
    "projects:propose-submit": ("POST", "/api/public/v1/project-calls/{id}/proposals", E, {
        "A": "400 400 400 400 400 400 400 400 400 400",
        "B": "400 400 400 400 400 400 400 400 400 400",
    }),
    "projects:rate-submit": ("POST", "/api/public/v1/projects/{id}/satisfaction", E, {
        "A": "400 400 400 400 400 400 400 400 400 400",
        "B": "400 400 400 400 400 400 400 400 400 400",
    }),
    "captcha-image": ("GET", "/captcha/image/{id}/", None, {"A": "200 200 200 200 200 200 200 200 200 200"}),
    "captcha-image-2x": ("GET", "/captcha/image/{id}@2/", None, {"A": "200 200 200 200 200 200 200 200 200 200"}),
    # no audio challenge: it needs the flite program, which the product does not install
    "captcha-audio": ("GET", "/captcha/audio/{id}.wav", None, {"-": "404 404 404 404 404 404 404 404 404 404"}),
    # a new challenge only for the page's fetch (X-Requested-With); a plain GET is 404 (tested in tests/backend/intake)
    "captcha-refresh": ("GET", "/captcha/refresh/", None, {"-": "404 404 404 404 404 404 404 404 404 404"}),
    # --- account pages and language --------------------------------------------------------
    "set_language": ("POST", "/i18n/setlang/", None, {"-": "302 302 302 302 302 302 302 302 302 302"}),
    "login": ("GET", "/accounts/login/", None, {"-": "200 200 200 200 200 200 200 200 200 200"}),
    "logout": ("GET", "/accounts/logout/", None, {"-": "405 405 405 405 405 405 405 405 405 405"}),
    "password_change": ("GET", "/accounts/password_change/", None, {"-": "200 200 200 200 200 200 200 200 302 302"}),
    "password_change_done": ("GET", "/accounts/password_change/done/", None, {"-": "200 200 200 200 200 200 200 200 302 302"}),
    "password_reset": ("GET", "/accounts/password_reset/", None, {"-": "200 200 200 200 200 200 200 200 200 200"}),
    "password_reset_done": ("GET", "/accounts/password_reset/done/", None, {"-": "200 200 200 200 200 200 200 200 200 200"}),
    "password_reset_confirm": ("GET", "/accounts/reset/MQ/set-password/", None, {"-": "200 200 200 200 200 200 200 200 200 200"}),
    "password_reset_complete": ("GET", "/accounts/reset/done/", None, {"-": "200 200 200 200 200 200 200 200 200 200"}),
    # --- admin (is_staff only; everyone else is sent to its login) --------------------------
    "admin:index": ("GET", "/admin/", None, {"-": "302 302 302 302 302 302 302 200 302 302"}),
    "admin:opinions_opinion_changelist": ("GET", "/admin/opinions/opinion/", None, {
        "-": "302 302 302 302 302 302 302 200 302 302",
    }),
    "admin:opinions_opinion_change": ("GET", "/admin/opinions/opinion/{id}/change/", None, {
        "A": "302 302 302 302 302 302 302 200 302 302",
        "B": "302 302 302 302 302 302 302 200 302 302",
    }),
    "admin:accounts_user_changelist": ("GET", "/admin/accounts/user/", None, {
        "-": "302 302 302 302 302 302 302 200 302 302",
    }),
    "admin:accounts_user_change": ("GET", "/admin/accounts/user/{id}/change/", None, {
        "A": "302 302 302 302 302 302 302 200 302 302",
        "B": "302 302 302 302 302 302 302 200 302 302",
    }),
    # logout last: it ends the tokens it is sent with.
    "mobile_api:logout": ("POST", PHONE + "auth/logout", E, {"-": "204 204 204 401 401 401 401 401 401 401"}),
}
# fmt: on


def url_keys() -> set[str]:
    """One key per URL pattern: its name (namespaced), else `<urlconf>/<regex>`."""
    keys: set[str] = set()

    def walk(patterns, namespace: str, urlconf: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                name = getattr(pattern.urlconf_module, "__name__", urlconf)
                walk(pattern.url_patterns, ns, name)
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    keys.add(namespace + pattern.name)
                else:  # unnamed (catch-alls): namespace or urlconf, then the regex
                    where = namespace or urlconf.rsplit(".urls", 1)[0] + "/"
                    keys.add(where + pattern.pattern.regex.pattern)

    walk(get_resolver().url_patterns, "", "backend.urls")
    return keys


def test_every_url_pattern_has_a_row():
    keys = url_keys()
    admin_keys = {k for k in keys if k.startswith("admin:")}
    assert admin_keys, "the admin's patterns are found"
    # "name METHOD" rows are a second method of the same pattern (GET reads, POST saves).
    rows = {k.split(" ")[0] for k in MATRIX}
    assert keys - admin_keys - rows == set(), "add a row to MATRIX"
    assert rows - keys == set(), "a row for an endpoint that no longer exists"
    assert {k for k in MATRIX if k.startswith("admin:")} <= admin_keys


def _tile(lon: float, lat: float, z: int = 13) -> tuple[int, int]:
    """The x/y of the web-mercator tile at zoom z holding (lon, lat)."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def _public_project(adcode: str, admin) -> tuple[int, int]:
    """An open call of the region and a project of it that is done: the public pages' ids."""
    region = Region.objects.get(adcode=adcode)
    today = timezone.localdate()
    call = ProjectCall.objects.create(
        region=region,
        level="township" if len(adcode) == 9 else "county",
        year=today.year,
        title="民生实事项目征集",
        opens_on=today,
        closes_on=today + dt.timedelta(days=30),
        created_by=admin,
        adcode=adcode,
        county_adcode=adcode[:6],
    )
    project = Proposal.objects.create(
        call=call,
        title="村口道路",
        description="硬化",
        estimated_cost_yuan=1000,
        source="staff",
        proposed_by=admin,
        stage=ProposalStage.CHOSEN,
        status=ProjectStatus.DONE,
        progress_pct=100,
        adcode=adcode,
        county_adcode=adcode[:6],
    )
    return call.id, project.id


def _world():
    world = build_world()
    d = world.deputies
    users = {
        "deputy_a": d["d1"].user,
        "deputy_b": d["d2"].user,
        "deputy_x": d["db"].user,
        "staff_t": world.users["staff_t1"],
        "staff_c": world.users["staff"],
        "leader": world.users["leader"],
        "leader_x": world.users["leader_b"],
        "admin": UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True),
        "anon": None,
        "gone": d["d3"].user,
    }
    callers = {}
    for role, user in users.items():
        session, bearer = Client(), {}
        if user is not None:
            session.force_login(user)
            login = Client().post(
                PHONE + "auth/login",
                {"username": user.username, "password": "pass-1234", "device_id": f"p-{role}"},
                content_type="application/json",
            )
            if login.status_code == 200:
                bearer = {"Authorization": f"Bearer {login.json()['access']}"}
        callers[role] = (session, bearer)
    users["gone"].is_active = False
    users["gone"].save(update_fields=["is_active"])

    def spare_device(role: str) -> int:
        response = Client().post(
            PHONE + "auth/login",
            {"username": users[role].username, "password": "pass-1234", "device_id": "spare"},
            content_type="application/json",
        )
        return response.json()["device_id"]

    a_checkin = checkin_record(
        deputy=d["d1"],
        station=world.stations["s1"],
        client_uuid=uuid.uuid4(),
        lon=113.005,
        lat=28.005,
        accuracy_m=8.0,
        recorded_at=world.now,
    ).id
    b_checkin = checkin_record(
        deputy=d["db"],
        station=world.stations["sb"],
        client_uuid=uuid.uuid4(),
        lon=113.105,
        lat=28.005,
        accuracy_m=8.0,
        recorded_at=world.now,
    ).id
    a_visit = d["d1"].visits.order_by("id").first()
    b_visit = d["db"].visits.order_by("id").first()
    a_tile, b_tile = _tile(113.005, 28.005), _tile(113.105, 28.005)
    a_code = citizen_submit(
        station=world.stations["s1"],
        category="roads",
        text="路灯",
        lon=None,
        lat=None,
        phone="",
        consent=False,
        client_ip="10.0.0.1",
    ).tracking_code
    b_code = citizen_submit(
        station=world.stations["sb"],
        category="roads",
        text="路灯",
        lon=None,
        lat=None,
        phone="",
        consent=False,
        client_ip="10.0.0.2",
    ).tracking_code
    captcha_key = CaptchaStore.generate_key()
    (a_call, a_project), (b_call, b_project) = (
        _public_project(adcode, users["admin"]) for adcode in ("430121001", "430182")
    )
    later = timezone.localdate() + dt.timedelta(days=10)
    a_delib, b_delib = (
        Deliberation.objects.create(
            station=st, adcode=st.adcode, county_adcode=st.county_adcode, date=later
        ).id
        for st in (world.stations["s1"], world.stations["sb"])
    )
    b_link = StationLink.objects.create(
        station_a=world.stations["sb"],
        station_b=world.stations["sg"],
        agreement_date=dt.date(2024, 5, 1),
        cadences=["weekly_reception"],
    ).id
    a_export, b_export = (
        ExportJob.objects.create(
            kind="xlsx", adcode=adcode, region_name=name, year=2026, requested_by=users[who]
        ).id
        for adcode, name, who in (
            ("430121001", "星沙街道", "staff_t"),
            ("430182", "宁乡市", "leader_x"),
        )
    )
    a_campaign, b_campaign = (
        campaign_create(
            jurisdiction=jurisdiction_of(users["admin"]),
            actor=users["admin"],
            region=Region.objects.get(adcode=adcode),
            name="千名代表访万人",
            starts_on=timezone.localdate() - dt.timedelta(days=30),
            ends_on=timezone.localdate() + dt.timedelta(days=30),
            targets={"target_households_per_deputy": 50},
        ).id
        for adcode in ("430121001", "430182")
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    a_request, b_request = (
        DutyRequest.objects.create(
            kind="leave",
            deputy=d[who],
            station=world.stations[where],
            day=tomorrow,
            reason="出差",
            status="approved",
        ).id
        for who, where in (("d1", "s1"), ("db", "sb"))
    )
    objects = {
        "A": {
            "map-export": a_export,
            "map-exports POST deputy_pdf": d["d1"].id,
            "map-export-file": a_export,
            "region": "430121001",
            "cell": world.cell("a00").id,
            "lon": 113.005,
            "lat": 28.005,
            "tx": a_tile[0],
            "ty": a_tile[1],
            "mobile_api:device-revoke": spare_device("deputy_a"),
            "mobile_api:checkin-detail": a_checkin,
            "mobile_api:visit-detail": a_visit.id,
            "mobile_api:opinion-detail": world.opinions["lone"].id,
            "mobile_api:opinion-answer": world.opinions["lone"].id,
            "map-opinion": world.opinions["lone"].id,
            "map-station-rhythm": world.stations["s1"].id,
            "map-station-rhythm POST": world.stations["s1"].id,
            "map-station-attendance": world.stations["s1"].id,
            "map-deliberation": a_delib,
            "map_ui:deliberation": a_delib,
            "map_ui:station-link": world.link.id,
            "map-station-health": world.stations["s1"].id,
            "map-deliberation-topics": a_delib,
            "map-deliberation-choose": a_delib,
            "map-deliberation-record": a_delib,
            "map-deliberation-actions": a_delib,
            "map-station-link": world.link.id,
            "map-station-link-activities": world.link.id,
            "map-station-link-problems": world.link.id,
            "map-station-rota": world.stations["s1"].id,
            "map-station-rota POST": world.stations["s1"].id,
            "map-station-receptions": world.stations["s1"].id,
            "map-station-receptions POST": world.stations["s1"].id,
            "map-duty-request-decide": a_request,
            "mobile_api:my-duty-request-withdraw": a_request,
            "map-deputy-attendance": d["d1"].id,
            "map-record": d["d1"].id,
            "map_ui:record": d["d1"].id,
            "map-opinion-transitions": world.opinions["lone"].id,
            "admin:opinions_opinion_change": world.opinions["lone"].id,
            "admin:accounts_user_change": users["deputy_a"].id,
            "intake:speak-station": world.stations["s1"].id,
            "intake:speak-deputy": d["d1"].id,
            "intake:submit-station": world.stations["s1"].id,
            "intake:submit-deputy": d["d1"].id,
            "intake:track": a_code,
            "intake:rate": a_code,
            "intake:card-station": world.stations["s1"].id,
            "intake:card-deputy": d["d1"].id,
            "intake:card-station-pdf": world.stations["s1"].id,
            "intake:card-deputy-pdf": d["d1"].id,
            "captcha-image": captcha_key,
            "captcha-image-2x": captcha_key,
            "projects:propose": a_call,
            "projects:propose-submit": a_call,
            "map-project-call-proposals POST": a_call,
            "projects:card-call-pdf": a_call,
            "projects:card-project-pdf": a_project,
            "projects:rate": a_project,
            "projects:rate-submit": a_project,
            "map-campaign": a_campaign,
            "map-campaign POST": a_campaign,
            "map-campaign-untouched": a_campaign,
            "map_ui:campaign": a_campaign,
        },
        "B": {
            "map-export": b_export,
            "map-exports POST deputy_pdf": d["db"].id,
            "map-export-file": b_export,
            "region": "430182",
            "cell": world.cell("b0").id,
            "lon": 113.105,
            "lat": 28.005,
            "tx": b_tile[0],
            "ty": b_tile[1],
            "mobile_api:device-revoke": spare_device("deputy_x"),
            "mobile_api:checkin-detail": b_checkin,
            "mobile_api:visit-detail": b_visit.id,
            "mobile_api:opinion-detail": world.opinions["county_b"][0].id,
            "mobile_api:opinion-answer": world.opinions["county_b"][0].id,
            "map-opinion": world.opinions["county_b"][0].id,
            "map-station-rhythm": world.stations["sb"].id,
            "map-station-rhythm POST": world.stations["sb"].id,
            "map-station-attendance": world.stations["sb"].id,
            "map-deliberation": b_delib,
            "map_ui:deliberation": b_delib,
            "map_ui:station-link": b_link,
            "map-station-health": world.stations["sb"].id,
            "map-deliberation-topics": b_delib,
            "map-deliberation-choose": b_delib,
            "map-deliberation-record": b_delib,
            "map-deliberation-actions": b_delib,
            "map-station-link": b_link,
            "map-station-link-activities": b_link,
            "map-station-link-problems": b_link,
            "map-station-rota": world.stations["sb"].id,
            "map-station-rota POST": world.stations["sb"].id,
            "map-station-receptions": world.stations["sb"].id,
            "map-station-receptions POST": world.stations["sb"].id,
            "map-duty-request-decide": b_request,
            "mobile_api:my-duty-request-withdraw": b_request,
            "map-deputy-attendance": d["db"].id,
            "map-record": d["db"].id,
            "map_ui:record": d["db"].id,
            "map-opinion-transitions": world.opinions["county_b"][0].id,
            "admin:opinions_opinion_change": world.opinions["county_b"][0].id,
            "admin:accounts_user_change": users["deputy_x"].id,
            "intake:speak-station": world.stations["sb"].id,
            "intake:speak-deputy": d["db"].id,
            "intake:submit-station": world.stations["sb"].id,
            "intake:submit-deputy": d["db"].id,
            "intake:track": b_code,
            "intake:rate": b_code,
            "intake:card-station": world.stations["sb"].id,
            "intake:card-deputy": d["db"].id,
            "intake:card-station-pdf": world.stations["sb"].id,
            "intake:card-deputy-pdf": d["db"].id,
            "projects:propose": b_call,
            "projects:propose-submit": b_call,
            "map-project-call-proposals POST": b_call,
            "projects:card-call-pdf": b_call,
            "projects:card-project-pdf": b_project,
            "projects:rate": b_project,
            "projects:rate-submit": b_project,
            "map-campaign": b_campaign,
            "map-campaign POST": b_campaign,
            "map-campaign-untouched": b_campaign,
            "map_ui:campaign": b_campaign,
        },
    }
    return callers, objects


def _send(client: Client, method: str, path: str, body: str | None, bearer: dict):
    if method == "GET":
        return client.get(path, headers=bearer)
    return client.post(path, body or "", content_type="application/json", headers=bearer)


def _fill(path: str, values: dict) -> str:
    return path.format(**{k: v for k, v in values.items() if ":" not in k and "-" not in k})


def _fill_body(body: str | None, values: dict) -> str | None:
    """A body naming the row's object: its {id} and {region} filled (other braces are JSON)."""
    if body is None:
        return None
    return body.replace("{id}", str(values["id"])).replace("{region}", str(values["region"]))


REFUSALS = ("401", "403", "404")  # none of them may depend on whether the object exists
CSRF_VALUE = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _same(response, path: str) -> bytes:
    """The body to compare: JSON byte for byte; an HTML page without its per-request CSRF
    token and with the path it echoes (the language switch's `next`) blanked."""
    if not response["Content-Type"].startswith("text/html"):
        return response.content
    body = CSRF_VALUE.sub(b"csrf", response.content)
    return body.replace(path.encode(), b"{path}")


def _cell(key: str, which: str, role: str, code: str, objects: dict, caller) -> str | None:
    """What is wrong with one cell of the matrix, or None."""
    method, path, body, _ = MATRIX[key]
    values = objects.get(which, objects["A"])
    values = {**values, "id": values.get(key, MISSING_ID)}
    session, bearer = caller
    response = _send(session, method, _fill(path, values), _fill_body(body, values), bearer)
    status, own = code.rstrip("*"), code.endswith("*")
    if str(response.status_code) != status:
        return f"{key} {which} {role}: {response.status_code} != {status}"
    if status in REFUSALS and which != "-" and not own:
        missing_path = _fill(path, {**values, **MISSING})
        missing_body = _fill_body(body, {**values, **MISSING})
        missing = _send(session, method, missing_path, missing_body, bearer)
        if str(missing.status_code) != status or _same(missing, missing_path) != _same(
            response, _fill(path, values)
        ):
            return f"{key} {which} {role}: the {code} differs from a missing object's"
    return None


@pytest.mark.django_db
def test_authorization_matrix(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MOBILE_API_THROTTLE_RATES = dict.fromkeys(
        ("login", "refresh", "read", "sync", "write"), "100000/min"
    )
    callers, objects = _world()
    wrong = [
        problem
        for key, (_, _, _, expected) in MATRIX.items()
        for which, codes in expected.items()
        for role, code in zip(ROLES, codes.split(), strict=True)
        if (problem := _cell(key, which, role, code, objects, callers[role]))
    ]
    assert wrong == [], "\n".join(wrong)


# --- websocket /ws/live/ ---------------------------------------------------------------------
# role: the close code, or the objects whose events reach the socket (A: 星沙街道, B: 宁乡市).
WEBSOCKET = {
    "deputy_a": 4403,
    "deputy_b": 4403,
    "deputy_x": 4403,
    "staff_t": "A",
    "staff_c": "A",
    "leader": "A",
    "leader_x": "B",
    "admin": "AB",
    "anon": 4401,
    "gone": 4401,
}
EVENT_ITEMS = {
    "A": {"id": 1, "adcode": "430121001", "county_adcode": "430121", "kind": "household"},
    "B": {"id": 2, "adcode": "430182001", "county_adcode": "430182", "kind": "household"},
}


def test_every_role_has_a_websocket_row():
    assert tuple(WEBSOCKET) == ROLES


def _socket_user(role: str):
    from tests.factories import DeputyFactory, RegionFactory

    province = RegionFactory(adcode="43", name="湖南省")
    city = RegionFactory(adcode="4301", name="长沙市", parent=province)
    county = RegionFactory(adcode="430121", name="长沙县", parent=city)
    county_x = RegionFactory(adcode="430182", name="宁乡市", parent=city)
    township = RegionFactory(adcode="430121001", name="星沙街道", parent=county)
    make = {
        "deputy_a": lambda: DeputyFactory(region=township).user,
        "deputy_b": lambda: DeputyFactory(region=RegionFactory(adcode="430121002")).user,
        "deputy_x": lambda: DeputyFactory(region=county_x).user,
        "staff_t": lambda: UserFactory(role=Role.STAFF, jurisdiction=township),
        "staff_c": lambda: UserFactory(role=Role.STAFF, jurisdiction=county),
        "leader": lambda: UserFactory(role=Role.LEADER, jurisdiction=county),
        "leader_x": lambda: UserFactory(role=Role.LEADER, jurisdiction=county_x),
        "admin": lambda: UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True),
        "anon": lambda: None,
        "gone": lambda: DeputyFactory(region=township).user,
    }
    user = make[role]()
    if user is None:
        return []
    client = Client()
    client.force_login(user)
    if role == "gone":
        user.is_active = False
        user.save(update_fields=["is_active"])
    return [(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


@pytest.fixture
def socket_cookie(role, transactional_db, settings):
    """Made here, on the test's own thread, whose database connection pytest-django closes."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return _socket_user(role)


@pytest.mark.asyncio
@pytest.mark.parametrize("role", ROLES)
async def test_websocket_matrix(role, socket_cookie):
    from backend.core.events import publish

    communicator = WebsocketCommunicator(
        application, "/ws/live/", headers=[(b"origin", b"http://testserver"), *socket_cookie]
    )
    try:
        await _check_socket(communicator, WEBSOCKET[role], publish)
    finally:
        # The session was read on asgiref's worker thread: close its connection there, or the
        # test database cannot be dropped at the end.
        await sync_to_async(connections.close_all)()


async def _check_socket(communicator, expected, publish) -> None:
    connected, _ = await communicator.connect()
    assert connected
    if isinstance(expected, int):
        assert await communicator.receive_output() == {"type": "websocket.close", "code": expected}
        return
    ready = await communicator.receive_json_from()
    assert ready["event"] == "live.ready"
    # The refused objects' events first, then the allowed ones: what arrives is exactly these.
    order = sorted("AB", key=lambda which: which in expected)
    for which in order:
        item = EVENT_ITEMS[which]
        await sync_to_async(publish)(item["county_adcode"], "visit.created", {"items": [item]})
    received = [
        (await communicator.receive_json_from())["data"]["items"] for _ in range(len(expected))
    ]
    assert received == [[EVENT_ITEMS[w]] for w in order if w in expected]
    await communicator.disconnect()
