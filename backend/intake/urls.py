from django.urls import path

from . import views

app_name = "intake"

STATION, DEPUTY = {"kind": "station"}, {"kind": "deputy"}

urlpatterns = [
    path("s/station/<int:target_id>/", views.speak, STATION, name="speak-station"),
    path("s/deputy/<int:target_id>/", views.speak, DEPUTY, name="speak-deputy"),
    path("t/<str:code>/", views.track, name="track"),
    path(
        "api/public/v1/intake/station/<int:target_id>", views.submit, STATION, name="submit-station"
    ),
    path("api/public/v1/intake/deputy/<int:target_id>", views.submit, DEPUTY, name="submit-deputy"),
    path("api/public/v1/track/<str:code>/rate", views.rate, name="rate"),
    path("intake/card/station/<int:target_id>/", views.card, STATION, name="card-station"),
    path("intake/card/deputy/<int:target_id>/", views.card, DEPUTY, name="card-deputy"),
    path(
        "intake/card/station/<int:target_id>/card.pdf",
        views.card_pdf,
        STATION,
        name="card-station-pdf",
    ),
    path(
        "intake/card/deputy/<int:target_id>/card.pdf",
        views.card_pdf,
        DEPUTY,
        name="card-deputy-pdf",
    ),
]
