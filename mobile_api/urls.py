"""/api/mobile/v1/: the field app's API, its OpenAPI schema and docs (local static files)."""

from django.urls import path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from .apis import (
    auth,
    cells,
    checkins,
    devices,
    duty,
    me,
    opinions,
    projects,
    records,
    stations,
    visits,
)
from .views import api_not_found

app_name = "mobile_api"

urlpatterns = [
    path("auth/login", auth.LoginApi.as_view(), name="login"),
    path("auth/refresh", auth.RefreshApi.as_view(), name="refresh"),
    path("auth/logout", auth.LogoutApi.as_view(), name="logout"),
    path("devices", devices.DeviceListApi.as_view(), name="devices"),
    path("devices/<int:device_id>/revoke", devices.DeviceRevokeApi.as_view(), name="device-revoke"),
    path("me", me.MeApi.as_view(), name="me"),
    path("me/cells", cells.MyCellsApi.as_view(), name="my-cells"),
    path("me/record", records.MyRecordApi.as_view(), name="my-record"),
    path("me/duty", duty.MyDutyApi.as_view(), name="my-duty"),
    path("me/duty/requests", duty.MyDutyRequestsApi.as_view(), name="my-duty-requests"),
    path("me/deliberations", duty.MyDeliberationsApi.as_view(), name="my-deliberations"),
    path(
        "me/duty/requests/<int:request_id>/withdraw",
        duty.MyDutyRequestWithdrawApi.as_view(),
        name="my-duty-request-withdraw",
    ),
    path("me/points/disputes", records.MyDisputesApi.as_view(), name="my-disputes"),
    path("stations/nearby", stations.NearbyStationsApi.as_view(), name="stations-nearby"),
    path("checkins", checkins.CheckInsApi.as_view(), name="checkins"),
    path("checkins/<int:checkin_id>", checkins.CheckInDetailApi.as_view(), name="checkin-detail"),
    path("visits", visits.VisitsApi.as_view(), name="visits"),
    path("visits/sync", visits.VisitsSyncApi.as_view(), name="visits-sync"),
    path("visits/<int:visit_id>", visits.VisitDetailApi.as_view(), name="visit-detail"),
    path("opinions", opinions.OpinionsApi.as_view(), name="opinions"),
    path("opinions/<int:opinion_id>", opinions.OpinionDetailApi.as_view(), name="opinion-detail"),
    path(
        "opinions/<int:opinion_id>/answer",
        opinions.OpinionAnswerApi.as_view(),
        name="opinion-answer",
    ),
    path("project-calls", projects.CallsApi.as_view(), name="project-calls"),
    path(
        "project-calls/<int:call_id>/proposals",
        projects.ProposalsApi.as_view(),
        name="project-proposals",
    ),
    path("ballots", projects.BallotsApi.as_view(), name="ballots"),
    path("ballots/<int:ballot_id>", projects.BallotDetailApi.as_view(), name="ballot-detail"),
    path("ballots/<int:ballot_id>/vote", projects.BallotVoteApi.as_view(), name="ballot-vote"),
    path(
        "projects/<int:proposal_id>/supervisions",
        projects.SupervisionsApi.as_view(),
        name="project-supervisions",
    ),
    path(
        "projects/<int:proposal_id>/evaluation",
        projects.EvaluationApi.as_view(),
        name="project-evaluation",
    ),
    path("schema/", SpectacularAPIView.as_view(urlconf="mobile_api.schema_urls"), name="schema"),
    # The split view serves its page script from its own URL: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="mobile_api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="mobile_api:schema"), name="redoc"),
    re_path(r"^.*$", api_not_found),
]
