from django.urls import path

from map_ui import campaign_pages, export_views, records_views, views

app_name = "map_ui"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("assign/", views.assign, name="assign"),
    path("stations/", views.stations, name="stations"),
    path("stations/links/<int:link_id>/", views.station_link, name="station-link"),
    path("deliberations/", views.deliberations, name="deliberations"),
    path("deliberations/<int:deliberation_id>/", views.deliberation, name="deliberation"),
    path("stations/duty/", views.duty, name="duty"),
    path("opinions/", views.opinions, name="opinions"),
    path("projects/", views.projects, name="projects"),
    path("campaigns/", campaign_pages.campaigns, name="campaigns"),
    path("campaigns/<int:campaign_id>/", campaign_pages.campaign, name="campaign"),
    path("exports/", export_views.exports, name="exports"),
    path("deputy/", views.deputy, name="deputy"),
    # the record pages (履职档案与积分): map_ui/records_views.py
    path("records/", records_views.records, name="records"),
    path("records/<int:deputy_id>/", records_views.record, name="record"),
]
