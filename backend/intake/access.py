"""Fetches for the intake: the public targets of a QR code, a tracking code's submission, and
the deputies' print cards (scoped by Jurisdiction). Missing and forbidden give the same 404."""

from __future__ import annotations

from backend.accounts.jurisdiction import Jurisdiction
from backend.core import error_codes as codes
from backend.core.errors import NotFound
from backend.liaison.models import Deputy, MandateStatus, Station

from .models import CitizenSubmission
from .services import TRACKING_ALPHABET, TRACKING_LENGTH


def _current_deputies():
    return Deputy.objects.filter(mandates__status=MandateStatus.CURRENT).distinct()


def access_station_public_by_id(*, station_id: int) -> Station:
    station = Station.objects.filter(id=station_id).first()
    if station is None:
        raise NotFound(codes.INTAKE_NOT_FOUND)
    return station


def access_deputy_public_by_id(*, deputy_id: int) -> Deputy:
    """Only a current deputy has a live code (a deputy whose mandate ended gets 404)."""
    deputy = _current_deputies().filter(id=deputy_id).first()
    if deputy is None:
        raise NotFound(codes.INTAKE_NOT_FOUND)
    return deputy


def access_submission_by_code(*, code: str, for_update: bool = False) -> CitizenSubmission:
    code = (code or "").strip().upper()
    if len(code) != TRACKING_LENGTH or any(ch not in TRACKING_ALPHABET for ch in code):
        raise NotFound(codes.INTAKE_NOT_FOUND)
    queryset = CitizenSubmission.objects.select_related("opinion")
    submission = queryset.filter(tracking_code=code).first()
    if submission is None:
        raise NotFound(codes.INTAKE_NOT_FOUND)
    return submission


def access_deputy_card_by_id(*, jurisdiction: Jurisdiction, deputy_id: int) -> Deputy:
    """A current deputy whose card the caller may print: staff of the deputy's area, or the
    deputy themself (a station's card is liaison.access.access_station_by_id)."""
    if jurisdiction.deputy_id == deputy_id:
        return access_deputy_public_by_id(deputy_id=deputy_id)
    deputy = jurisdiction.filter(_current_deputies().filter(id=deputy_id)).first()
    if deputy is None:
        raise NotFound(codes.INTAKE_NOT_FOUND)
    return deputy
