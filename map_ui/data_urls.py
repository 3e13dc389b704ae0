"""Map data: vector tiles, TileJSON and the GeoJSON/JSON endpoints under /api/map/v1/."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from backend.core import error_codes as codes
from backend.core.http import error_response
from map_ui.data import campaigns, exports, projects, records, rota, stationlife, views


def _not_found(request, rest=""):
    return error_response(codes.REQUEST_NOT_FOUND)


# The operations (also the OpenAPI schema's URLconf: map_ui.schema_urls).
operations = [
    path(
        "tiles/<slug:layer>/<int:z>/<int:x>/<int:y>.mvt", views.TileApi.as_view(), name="map-tile"
    ),
    path("tiles/<slug:layer>.json", views.TileJsonApi.as_view(), name="map-tilejson"),
    path(
        "api/map/v1/regions/<str:adcode>/stats",
        views.RegionStatsApi.as_view(),
        name="map-region-stats",
    ),
    path(
        "api/map/v1/regions/<str:adcode>/overdue",
        views.RegionOverdueApi.as_view(),
        name="map-region-overdue",
    ),
    path("api/map/v1/cells.geojson", views.CellsGeoJsonApi.as_view(), name="map-cells"),
    path("api/map/v1/gaps", views.GapsApi.as_view(), name="map-gaps"),
    path("api/map/v1/suggestions", views.SuggestionsApi.as_view(), name="map-suggestions"),
    path("api/map/v1/assignments", views.AssignmentsApi.as_view(), name="map-assignments"),
    path("api/map/v1/clusters.geojson", views.ClustersGeoJsonApi.as_view(), name="map-clusters"),
    path(
        "api/map/v1/opinion-pins.geojson",
        views.OpinionPinsGeoJsonApi.as_view(),
        name="map-opinion-pins",
    ),
    path("api/map/v1/stations.geojson", views.StationsGeoJsonApi.as_view(), name="map-stations"),
    path(
        "api/map/v1/stations/<int:station_id>/rhythm",
        views.StationRhythmApi.as_view(),
        name="map-station-rhythm",
    ),
    path(
        "api/map/v1/stations/<int:station_id>/attendance",
        views.StationAttendanceApi.as_view(),
        name="map-station-attendance",
    ),
    path(
        "api/map/v1/stations/<int:station_id>/rota",
        rota.StationRotaApi.as_view(),
        name="map-station-rota",
    ),
    path(
        "api/map/v1/stations/<int:station_id>/receptions",
        rota.StationReceptionsApi.as_view(),
        name="map-station-receptions",
    ),
    path("api/map/v1/duty-requests", rota.DutyRequestsApi.as_view(), name="map-duty-requests"),
    path(
        "api/map/v1/duty-requests/<int:request_id>/decide",
        rota.DutyRequestDecideApi.as_view(),
        name="map-duty-request-decide",
    ),
    path(
        "api/map/v1/deputies/<int:deputy_id>/attendance",
        rota.DeputyAttendanceApi.as_view(),
        name="map-deputy-attendance",
    ),
    path("api/map/v1/links.geojson", views.LinksGeoJsonApi.as_view(), name="map-links"),
    path("api/map/v1/rollups", views.RollupsApi.as_view(), name="map-rollups"),
    path("api/map/v1/opinions", views.OpinionListApi.as_view(), name="map-opinions"),
    path(
        "api/map/v1/opinions/<int:opinion_id>", views.OpinionDetailApi.as_view(), name="map-opinion"
    ),
    path(
        "api/map/v1/opinions/<int:opinion_id>/transitions",
        views.OpinionTransitionsApi.as_view(),
        name="map-opinion-transitions",
    ),
    path("api/map/v1/records", records.RecordLeagueApi.as_view(), name="map-records"),
    path(
        "api/map/v1/records/<int:deputy_id>", records.DeputyRecordApi.as_view(), name="map-record"
    ),
    path(
        "api/map/v1/record-entries", records.RecordEntriesApi.as_view(), name="map-record-entries"
    ),
    path(
        "api/map/v1/record-entries/<int:entry_id>/transitions",
        records.RecordEntryTransitionsApi.as_view(),
        name="map-record-entry-transitions",
    ),
    path(
        "api/map/v1/point-disputes", records.PointDisputesApi.as_view(), name="map-point-disputes"
    ),
    path(
        "api/map/v1/point-disputes/<int:dispute_id>/resolve",
        records.PointDisputeResolveApi.as_view(),
        name="map-point-dispute-resolve",
    ),
    path("api/map/v1/point-rules", records.PointRulesApi.as_view(), name="map-point-rules"),
    path("api/map/v1/targets", records.TargetsApi.as_view(), name="map-targets"),
    path("api/map/v1/campaigns", campaigns.CampaignsApi.as_view(), name="map-campaigns"),
    path(
        "api/map/v1/campaigns/<int:campaign_id>",
        campaigns.CampaignApi.as_view(),
        name="map-campaign",
    ),
    path(
        "api/map/v1/campaigns/<int:campaign_id>/untouched.geojson",
        campaigns.CampaignUntouchedApi.as_view(),
        name="map-campaign-untouched",
    ),
    path("api/map/v1/exports", exports.ExportsApi.as_view(), name="map-exports"),
    path("api/map/v1/exports/<int:export_id>", exports.ExportApi.as_view(), name="map-export"),
    path(
        "api/map/v1/exports/<int:export_id>/file",
        exports.ExportFileApi.as_view(),
        name="map-export-file",
    ),
    path(
        "api/map/v1/stations/<int:station_id>/health",
        stationlife.StationHealthApi.as_view(),
        name="map-station-health",
    ),
    path(
        "api/map/v1/station-league",
        stationlife.StationLeagueApi.as_view(),
        name="map-station-league",
    ),
    path(
        "api/map/v1/deliberations", stationlife.DeliberationsApi.as_view(), name="map-deliberations"
    ),
    path(
        "api/map/v1/deliberations/<int:deliberation_id>",
        stationlife.DeliberationDetailApi.as_view(),
        name="map-deliberation",
    ),
    path(
        "api/map/v1/deliberations/<int:deliberation_id>/topics",
        stationlife.DeliberationTopicsApi.as_view(),
        name="map-deliberation-topics",
    ),
    path(
        "api/map/v1/deliberations/<int:deliberation_id>/choose",
        stationlife.DeliberationChooseApi.as_view(),
        name="map-deliberation-choose",
    ),
    path(
        "api/map/v1/deliberations/<int:deliberation_id>/record",
        stationlife.DeliberationRecordApi.as_view(),
        name="map-deliberation-record",
    ),
    path(
        "api/map/v1/deliberations/<int:deliberation_id>/actions",
        stationlife.DeliberationActionsApi.as_view(),
        name="map-deliberation-actions",
    ),
    path(
        "api/map/v1/action-items/<int:item_id>/follow",
        stationlife.ActionItemFollowApi.as_view(),
        name="map-action-item-follow",
    ),
    path("api/map/v1/station-links", stationlife.LinkListApi.as_view(), name="map-station-links"),
    path(
        "api/map/v1/station-links/<int:link_id>",
        stationlife.LinkDetailApi.as_view(),
        name="map-station-link",
    ),
    path(
        "api/map/v1/station-links/<int:link_id>/activities",
        stationlife.LinkActivitiesApi.as_view(),
        name="map-station-link-activities",
    ),
    path(
        "api/map/v1/station-links/<int:link_id>/problems",
        stationlife.LinkProblemsApi.as_view(),
        name="map-station-link-problems",
    ),
    path(
        "api/map/v1/cross-border-problems/<int:problem_id>/solve",
        stationlife.ProblemSolveApi.as_view(),
        name="map-cross-border-problem-solve",
    ),
    path("api/map/v1/project-calls", projects.ProjectCallsApi.as_view(), name="map-project-calls"),
    path(
        "api/map/v1/project-calls/<int:call_id>/proposals",
        projects.ProjectCallProposalsApi.as_view(),
        name="map-project-call-proposals",
    ),
    path(
        "api/map/v1/project-calls/<int:call_id>/ballots",
        projects.BallotOpenApi.as_view(),
        name="map-project-call-ballots",
    ),
    path("api/map/v1/proposals", projects.ProposalCreateApi.as_view(), name="map-proposals"),
    path(
        "api/map/v1/proposals/<int:proposal_id>/advance",
        projects.ProposalAdvanceApi.as_view(),
        name="map-proposal-advance",
    ),
    path(
        "api/map/v1/proposals/<int:proposal_id>/updates",
        projects.ProjectUpdatesApi.as_view(),
        name="map-project-updates",
    ),
    path(
        "api/map/v1/ballots/<int:ballot_id>", projects.BallotDetailApi.as_view(), name="map-ballot"
    ),
    path(
        "api/map/v1/ballots/<int:ballot_id>/close",
        projects.BallotCloseApi.as_view(),
        name="map-ballot-close",
    ),
    path(
        "api/map/v1/ballots/<int:ballot_id>/paper-counts",
        projects.BallotPaperCountsApi.as_view(),
        name="map-ballot-paper-counts",
    ),
    path("api/map/v1/projects.geojson", projects.ProjectsGeoJsonApi.as_view(), name="map-projects"),
    path(
        "api/map/v1/project-funnel", projects.ProjectFunnelApi.as_view(), name="map-project-funnel"
    ),
]

urlpatterns = [
    *operations,
    path(
        "api/map/v1/schema/",
        SpectacularAPIView.as_view(
            urlconf="map_ui.schema_urls",
            custom_settings={
                "TITLE": "人大代表进网格 · map data API",
                "DESCRIPTION": (
                    "Session-authenticated map data for the dashboards: vector tiles, TileJSON, "
                    "JSON and GeoJSON, scoped to the caller's jurisdiction. Errors are JSON "
                    "{code, message}. See docs/api-map.md."
                ),
                "SCHEMA_PATH_PREFIX": "",
                "COMPONENT_SPLIT_REQUEST": True,
            },
        ),
        name="map-schema",
    ),
    re_path(r"^(?:api/map/|tiles/)(?P<rest>.*)$", _not_found),
]
