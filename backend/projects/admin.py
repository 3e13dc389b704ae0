"""Admin for livelihood projects: view-only (the services keep the rules and the history).
Anonymous ballots are deliberately not registered (docs/security.md, "Secret ballots")."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from backend.core.admin import PrivateFieldsAdminMixin, ReadonlyAdminMixin
from backend.core.privacy import mask_contact

from .models import BallotCandidate, BallotParticipation, BallotSession, ProjectCall, Proposal


@admin.register(ProjectCall)
class ProjectCallAdmin(ReadonlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "region", "year", "opens_on", "closes_on")
    list_select_related = ("region",)


@admin.register(Proposal)
class ProposalAdmin(PrivateFieldsAdminMixin, ReadonlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "call", "source", "stage", "status", "progress_pct")
    list_filter = ("stage", "source")
    list_select_related = ("call",)
    exclude = ("place", "citizen_contact")  # a citizen's number: shown masked (`contact`)
    readonly_fields = ("contact",)

    @admin.display(description=_("citizen contact"))
    def contact(self, obj: Proposal) -> str:
        return mask_contact(obj.citizen_contact) or "-"


class CandidateInline(admin.TabularInline):
    model = BallotCandidate
    fields = ("position", "proposal", "votes", "result")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(BallotSession)
class BallotSessionAdmin(ReadonlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "call", "status", "max_choices", "turnout", "blank_count")
    inlines = (CandidateInline,)


@admin.register(BallotParticipation)
class BallotParticipationAdmin(ReadonlyAdminMixin, admin.ModelAdmin):
    list_display = ("session", "deputy")
    list_select_related = ("session", "deputy")
