"""The citizens' public pages of the livelihood projects and their JSON endpoints."""

from django.urls import path

from . import cards, public

app_name = "projects"
urlpatterns = [
    path("p/call/<int:call_id>/", public.propose, name="propose"),
    path("p/project/<int:proposal_id>/", public.rate, name="rate"),
    path("projects/card/call/<int:call_id>.pdf", cards.call_card_pdf, name="card-call-pdf"),
    path(
        "projects/card/project/<int:proposal_id>.pdf",
        cards.project_card_pdf,
        name="card-project-pdf",
    ),
    path(
        "api/public/v1/project-calls/<int:call_id>/proposals",
        public.propose_submit,
        name="propose-submit",
    ),
    path(
        "api/public/v1/projects/<int:proposal_id>/satisfaction",
        public.rate_submit,
        name="rate-submit",
    ),
]
