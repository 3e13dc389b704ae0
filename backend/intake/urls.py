from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("s/station/<int:station_id>/", views.speak_station, name="speak-station"),
    path("s/deputy/<int:deputy_id>/", views.speak_deputy, name="speak-deputy"),
    path("t/<str:code>/", views.track, name="track"),
    path(
        "api/public/v1/intake/station/<int:station_id>",
        views.submit_station,
        name="submit-station",
    ),
    path("api/public/v1/intake/deputy/<int:deputy_id>", views.submit_deputy, name="submit-deputy"),
    path("api/public/v1/track/<str:code>/rate", views.rate, name="rate"),
    path("intake/card/station/<int:station_id>/", views.card_station, name="card-station"),
    path("intake/card/deputy/<int:deputy_id>/", views.card_deputy, name="card-deputy"),
]
