"""The one registry of error codes: every code the product can answer with is declared here.

A code is a constant (`REGION_NOT_FOUND`), never an f-string: grep finds every use, and the
docs tables (docs/api.md, docs/api-map.md) are generated from this module
(`manage.py error_codes --markdown`). Raise `DomainError(codes.X)` or `NotFound(codes.X)`;
a code carries its HTTP status and its default message (zh-hans via gettext). A message or a
status passed where the error is raised overrides the default for that occurrence.

`apis` says which API answers with the code (MOBILE: the phone API, /api/mobile/v1/; MAP: the
map data API, /api/map/ and /tiles/; DOMAIN_ONLY: raised by services for the admin and the
loaders, no API answers it today); `field=True` codes appear inside `errors` (per field, or per
record of a batch), never as the top-level code. `doc` is the docs tables' "when" text
(defaults to the message). New apps add their section below (keep sections in app order).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

REGISTRY: dict[str, ErrorCode] = {}
MOBILE = ("mobile",)
MAP = ("map",)
BOTH = ("mobile", "map")
DOMAIN_ONLY: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    status: int
    message: Promise | str
    apis: tuple[str, ...] = BOTH
    field: bool = False
    doc: str | dict[str, str] = ""

    def __str__(self) -> str:
        return self.code

    def doc_for(self, api: str) -> str:
        """The docs tables' text for `api` (the message when no doc is given)."""
        doc = self.doc.get(api, "") if isinstance(self.doc, dict) else self.doc
        return doc or str(self.message)


def register(
    code: str,
    status: int,
    message: Promise | str,
    *,
    apis: tuple[str, ...] = BOTH,
    field: bool = False,
    doc: str | dict[str, str] = "",
) -> ErrorCode:
    if code in REGISTRY:
        raise ValueError(f"error code {code!r} is registered twice")
    entry = ErrorCode(code, status, message, apis, field, doc)
    REGISTRY[code] = entry
    return entry


# --- request (both APIs) ---
REQUEST_INVALID = register(
    "request.invalid",
    400,
    _("The request is invalid."),
    doc="some fields are invalid: see `errors` (field → `{code, message}`)",
)
REQUEST_MALFORMED_JSON = register(
    "request.malformed_json",
    400,
    _("The body is not valid JSON."),
    doc={"mobile": "not JSON", "map": "the body is not JSON, or not a JSON object"},
)
REQUEST_INVALID_ENCODING = register(
    "request.invalid_encoding", 400, _("The body must be UTF-8 JSON."), apis=MOBILE, doc="not UTF-8"
)
REQUEST_NON_FINITE_NUMBER = register(
    "request.non_finite_number",
    400,
    _("NaN and Infinity are not valid JSON numbers."),
    apis=MOBILE,
    doc=(
        "a bare `NaN`, `Infinity` or `-Infinity` token (not JSON). As strings they are text (a "
        'note "Nan", a password "Infinity"); where a number is expected a string is '
        "`number.invalid`, an overflow such as `1e999` is `number.non_finite`, per record"
    ),
)
REQUEST_TOO_DEEP = register(
    "request.too_deep",
    400,
    _("The JSON is nested too deeply."),
    apis=MOBILE,
    doc="JSON nested deeper than 20 levels (however deep)",
)
REQUEST_NOT_FOUND = register(
    "request.not_found",
    404,
    _("Not found."),
    doc={
        "mobile": "unknown path or page (was `not_found`, not dotted)",
        "map": "no such URL (was `map.not_found`)",
    },
)
REQUEST_METHOD_NOT_ALLOWED = register(
    "request.method_not_allowed",
    405,
    _("This method is not allowed here."),
    doc={"mobile": "wrong method", "map": "wrong method"},
)
REQUEST_NOT_ACCEPTABLE = register(
    "request.not_acceptable", 406, _("Only JSON responses are available."), apis=MOBILE
)
REQUEST_TOO_LARGE = register(
    "request.too_large",
    413,
    _("The request body is too large."),
    doc={"mobile": "body over 2 MiB", "map": "POST body over 2.5 MB (was `map.body_too_large`)"},
)
REQUEST_UNSUPPORTED_MEDIA_TYPE = register(
    "request.unsupported_media_type",
    415,
    _("Send JSON (Content-Type: application/json)."),
    apis=MOBILE,
)
REQUEST_THROTTLED = register(
    "request.throttled",
    429,
    _("Too many requests; slow down."),
    apis=MOBILE,
    doc="over the rate; `Retry-After`",
)
SERVER_ERROR = register(
    "server.error",
    500,
    _("Something went wrong on our side; please retry later."),
    doc={
        "mobile": "unexpected; logged, retry later (the phone's outbox does)",
        "map": "unexpected; logged",
    },
)

# --- auth (both APIs; tokens and devices: the phone API) ---
AUTH_REQUIRED = register(
    "auth.required",
    401,
    _("Authentication is required."),
    doc={"mobile": "no token", "map": "not logged in (also for tiles)"},
)
AUTH_FORBIDDEN = register("auth.forbidden", 403, _("You may not do this."))
AUTH_CSRF_FAILED = register(
    "auth.csrf_failed",
    403,
    _("CSRF check failed: send X-CSRFToken."),
    apis=MAP,
    doc="POST without the `X-CSRFToken` header matching the `csrftoken` cookie",
)
AUTH_INVALID_TOKEN = register(
    "auth.invalid_token",
    401,
    _("The token is not valid or has expired."),
    apis=MOBILE,
    doc="bad, expired or replayed token",
)
AUTH_DEVICE_REVOKED = register(
    "auth.device_revoked",
    401,
    _("This device has been revoked."),
    apis=MOBILE,
    doc="the device was revoked (403 at login)",
)
AUTH_SESSION_ENDED = register(
    "auth.session_ended",
    401,
    _("This session has ended; log in again."),
    apis=MOBILE,
    doc=(
        "logged out on this device, or the account was deactivated since the token was issued "
        "(reactivating it does not revive old tokens)"
    ),
)
AUTH_ACCOUNT_INACTIVE = register(
    "auth.account_inactive",
    401,
    _("This account is deactivated."),
    apis=MOBILE,
    doc="account deactivated",
)
AUTH_CREDENTIALS_CHANGED = register(
    "auth.credentials_changed",
    401,
    _("The password has changed; log in again."),
    apis=MOBILE,
    doc="password changed since the token was issued",
)
AUTH_INVALID_CREDENTIALS = register(
    "auth.invalid_credentials",
    401,
    _("Wrong username or password."),
    doc={
        "mobile": "wrong username or password",
        "map": "OGC API (/ogc/): wrong username or password in HTTP Basic auth",
    },
)
AUTH_LOCKED_OUT = register(
    "auth.locked_out",
    429,
    _("Too many failed logins; try again later."),
    doc={
        "mobile": (
            "too many failed logins for this username from this IP; `Retry-After` = seconds until"
            " the cool-off ends (tries meanwhile do not restart it)"
        ),
        "map": (
            "OGC API (/ogc/): too many failed HTTP Basic logins for this username from this IP"
            " (the login's django-axes lockout); `Retry-After` = seconds until the cool-off ends"
        ),
    },
)
AUTH_NOT_A_DEPUTY = register(
    "auth.not_a_deputy",
    403,
    _("Only deputies can use the field app."),
    apis=MOBILE,
    doc="the account has no deputy profile",
)
DEVICE_NOT_FOUND = register(
    "device.not_found", 404, _("No such device."), apis=MOBILE, doc="not one of your devices"
)

# --- field codes (inside `errors`: per field, or per record of a batch) ---
FIELD_INVALID = register("field.invalid", 400, _("This value is invalid."), apis=MOBILE, field=True)
FIELD_REQUIRED = register(
    "field.required", 400, _("This field is required."), apis=MOBILE, field=True, doc="as named"
)
FIELD_NULL = register(
    "field.null", 400, _("This field may not be null."), apis=MOBILE, field=True, doc="as named"
)
FIELD_BLANK = register(
    "field.blank", 400, _("This field may not be blank."), apis=MOBILE, field=True, doc="as named"
)
FIELD_MAX_LENGTH = register(
    "field.max_length", 400, _("This value is too long."), apis=MOBILE, field=True, doc="as named"
)
FIELD_MIN_LENGTH = register(
    "field.min_length", 400, _("This value is too short."), apis=MOBILE, field=True, doc="as named"
)
NUMBER_INVALID = register(
    "number.invalid",
    400,
    _("A number is required."),
    apis=MOBILE,
    field=True,
    doc="JSON numbers only (no numeric strings, no booleans)",
)
NUMBER_NON_FINITE = register(
    "number.non_finite",
    400,
    _("NaN and Infinity are not accepted."),
    apis=MOBILE,
    field=True,
    doc="JSON numbers only (no numeric strings, no booleans)",
)
NUMBER_NOT_INTEGER = register(
    "number.not_integer",
    400,
    _("An integer is required."),
    apis=MOBILE,
    field=True,
    doc="JSON numbers only (no numeric strings, no booleans)",
)
NUMBER_OUT_OF_RANGE = register(
    "number.out_of_range",
    400,
    _("The number is out of range."),
    apis=MOBILE,
    field=True,
    doc="JSON numbers only (no numeric strings, no booleans)",
)
BOOLEAN_INVALID = register(
    "boolean.invalid",
    400,
    _("true or false is required."),
    apis=MOBILE,
    field=True,
    doc="wrong JSON type (true or false expected)",
)
STRING_INVALID = register(
    "string.invalid",
    400,
    _("A string is required."),
    apis=MOBILE,
    field=True,
    doc="wrong JSON type (a string expected)",
)
STRING_INVALID_CHARACTER = register(
    "string.invalid_character",
    400,
    _("The text contains a NUL character or a lone surrogate."),
    field=True,
    doc={
        "mobile": "a text field holds a NUL (`\\u0000`) or a lone surrogate (`\\ud800`)",
        "map": (
            "a text field (handler, reason, answer, note, action) holds a NUL (`\\u0000`) or a "
            "lone surrogate (`\\ud800`)"
        ),
    },
)
CHOICE_INVALID = register(
    "choice.invalid",
    400,
    _("Not an allowed value."),
    apis=MOBILE,
    field=True,
    doc="not an allowed value",
)
DATETIME_INVALID = register(
    "datetime.invalid",
    400,
    _("An ISO 8601 date-time string is required."),
    apis=MOBILE,
    field=True,
    doc="unparsable or not printable ASCII (a NUL inside is refused)",
)
DATETIME_NAIVE = register(
    "datetime.naive",
    400,
    _("A time with a UTC offset is required."),
    apis=MOBILE,
    field=True,
    doc="time without offset",
)
DATETIME_OUT_OF_RANGE = register(
    "datetime.out_of_range",
    400,
    _("The date must lie between 2000 and 2100."),
    apis=MOBILE,
    field=True,
    doc="outside 2000–2100",
)
UUID_INVALID = register(
    "uuid.invalid",
    400,
    _("A UUID is required."),
    apis=MOBILE,
    field=True,
    doc="not a canonical 8-4-4-4-12 UUID",
)
CRS_UNSUPPORTED = register(
    "crs.unsupported",
    400,
    _("crs must be one of wgs84, gcj02, bd09."),
    apis=MOBILE,
    field=True,
    doc="`crs` other than `wgs84`, `gcj02`, `bd09`",
)
GEOMETRY_3D = register(
    "geometry.3d",
    400,
    _("Only 2-D points are accepted."),
    apis=MOBILE,
    field=True,
    doc="a third coordinate: only 2-D points",
)
GEOMETRY_CRS_MEMBER = register(
    "geometry.crs_member",
    400,
    _("A GeoJSON crs member is not accepted: declare the crs field instead."),
    apis=MOBILE,
    field=True,
    doc="a GeoJSON `crs` member: declare the `crs` field instead",
)
GEOMETRY_INVALID = register(
    "geometry.invalid",
    400,
    _("Expected a GeoJSON Point object."),
    apis=MOBILE,
    field=True,
    doc="not a GeoJSON Point",
)
GEOMETRY_NON_FINITE = register(
    "geometry.non_finite",
    400,
    _("Coordinates must be finite numbers."),
    apis=MOBILE,
    field=True,
    doc="non-finite coordinates",
)
GEOMETRY_OUT_OF_RANGE = register(
    "geometry.out_of_range",
    400,
    _("Longitude must lie in -180..180 and latitude in -90..90."),
    apis=MOBILE,
    field=True,
    doc="longitude outside −180..180 or latitude outside −90..90",
)
GEOMETRY_SWAPPED_AXES = register(
    "geometry.swapped_axes",
    400,
    _("The coordinates look like [lat, lon]: GeoJSON is [lon, lat]."),
    apis=MOBILE,
    field=True,
    doc="looks like [lat, lon] (e.g. `[28.2, 113.0]`): GeoJSON is [lon, lat]",
)
GEOMETRY_UNTAGGED_WKT = register(
    "geometry.untagged_wkt",
    400,
    _("Send GeoJSON, not WKT."),
    apis=MOBILE,
    field=True,
    doc="WKT (`POINT(…)`, `SRID=…;POINT(…)`) instead of GeoJSON",
)
GEOMETRY_WRONG_TYPE = register(
    "geometry.wrong_type",
    400,
    _("Expected a Point geometry."),
    apis=MOBILE,
    field=True,
    doc="a GeoJSON type other than Point",
)

# --- regions, grid cells, assignments ---
REGION_NONE = register(
    "region.none",
    404,
    _("No region to show."),
    apis=DOMAIN_ONLY,
    doc="the dashboard pages: the account's jurisdiction has no region to show",
)
REGION_NOT_FOUND = register(
    "region.not_found",
    404,
    _("No such region in your jurisdiction."),
    apis=MAP,
    doc="missing **or** outside the jurisdiction (same answer)",
)
CELL_NOT_FOUND = register(
    "cell.not_found",
    404,
    _("No such grid cell in your jurisdiction."),
    apis=MAP,
    doc="missing **or** outside the jurisdiction (same answer)",
)
ASSIGNMENT_NOT_FOUND = register(
    "assignment.not_found", 404, _("No such assignment."), apis=DOMAIN_ONLY
)
ASSIGNMENT_NO_CELLS = register(
    "assignment.no_cells", 400, _("Choose at least one grid cell."), apis=MAP
)
ASSIGNMENT_TOO_MANY_CELLS = register(
    "assignment.too_many_cells", 400, _("Too many cells at once."), apis=MAP
)
ASSIGNMENT_NOT_ALLOWED = register(
    "assignment.not_allowed",
    403,
    _("Only station staff assign grid cells."),
    apis=MAP,
    doc="leaders and deputies do not assign (decided by role, before the body is read)",
)
ASSIGNMENT_REASON_TOO_LONG = register(
    "assignment.reason_too_long", 400, _("The reason is too long."), apis=MAP
)

# --- coverage ---
COVERAGE_INVALID_DAYS = register(
    "coverage.invalid_days",
    400,
    _("days must be a whole number from 1 to 730."),
    apis=MAP,
    doc="days not an integer 1…730 (was `map.invalid_days`)",
)

# --- liaison: stations, links, deputies, mandates, memberships (services; admin forms) ---
STATION_NOT_FOUND = register(
    "station.not_found", 404, _("No such station."), apis=BOTH, doc="missing or not yours"
)
STATION_INVALID_DUTY_RULE = register(
    "station.invalid_duty_rule", 400, _("Unknown or malformed duty rule."), apis=MAP
)
STATION_INVALID_DEPUTIES_PER_DAY = register(
    "station.invalid_deputies_per_day",
    400,
    _("Deputies on duty per day is a whole number from 1 to 50, or empty for every member."),
    apis=MAP,
)
STATION_INVALID_SIX_HAVES = register(
    "station.invalid_six_haves", 400, _("The six-haves checklist is malformed."), apis=DOMAIN_ONLY
)
STATION_REGION_TOO_LARGE = register(
    "station.region_too_large",
    400,
    _("A station belongs to a county, township or village."),
    apis=DOMAIN_ONLY,
)
STATION_INVALID_KIND = register(
    "station.invalid_kind", 400, _("Unknown station kind."), apis=DOMAIN_ONLY
)
STATION_SECTOR_REQUIRED = register(
    "station.sector_required",
    400,
    _("An industry contact point names its industry sector."),
    apis=DOMAIN_ONLY,
)
STATION_INVALID_GEOFENCE = register(
    "station.invalid_geofence", 400, _("The geofence radius must be positive."), apis=DOMAIN_ONLY
)
STATION_OUTSIDE_REGION = register(
    "station.outside_region",
    400,
    _("The station's location lies outside its region."),
    apis=DOMAIN_ONLY,
)
STATION_PARENT_OTHER_COUNTY = register(
    "station.parent_other_county",
    400,
    _("A parent station must be in the same county."),
    apis=DOMAIN_ONLY,
)
STATION_LINK_INVALID_CADENCES = register(
    "station_link.invalid_cadences", 400, _("Unknown link cadence."), apis=DOMAIN_ONLY
)
STATION_LINK_SAME_STATION = register(
    "station_link.same_station", 400, _("A link joins two different stations."), apis=DOMAIN_ONLY
)
STATION_LINK_SAME_PROVINCE = register(
    "station_link.same_province",
    400,
    _("Linked stations must be in different provinces."),
    apis=DOMAIN_ONLY,
)
STATION_LINK_DUPLICATE = register(
    "station_link.duplicate", 400, _("These two stations are already linked."), apis=DOMAIN_ONLY
)
DEPUTY_NOT_FOUND = register(
    "deputy.not_found",
    404,
    _("No such deputy."),
    apis=MAP,
    doc="missing **or** outside the jurisdiction (same answer)",
)
DEPUTY_NAME_REQUIRED = register(
    "deputy.name_required", 400, _("A deputy needs a name."), apis=DOMAIN_ONLY
)
DEPUTY_INVALID_GENDER = register(
    "deputy.invalid_gender", 400, _("Unknown gender."), apis=DOMAIN_ONLY
)
MANDATE_INVALID_LEVEL = register(
    "mandate.invalid_level", 400, _("Unknown congress level."), apis=DOMAIN_ONLY
)
MANDATE_CONGRESS_LEVEL_MISMATCH = register(
    "mandate.congress_level_mismatch",
    400,
    _("The congress region does not match the level."),
    apis=DOMAIN_ONLY,
)
MANDATE_DISTRICT_OUTSIDE_CONGRESS = register(
    "mandate.district_outside_congress",
    400,
    _("The district lies outside the congress region."),
    apis=DOMAIN_ONLY,
)
MANDATE_CELLS_OUTSIDE_DISTRICT = register(
    "mandate.cells_outside_district",
    400,
    _("Some cells lie outside the district."),
    apis=DOMAIN_ONLY,
)
MANDATE_INVALID_TERM = register(
    "mandate.invalid_term", 400, _("The term must end after it starts."), apis=DOMAIN_ONLY
)
MANDATE_INVALID_STATUS = register(
    "mandate.invalid_status", 400, _("Unknown mandate status."), apis=DOMAIN_ONLY
)
MANDATE_DUPLICATE = register(
    "mandate.duplicate", 400, _("This deputy already holds this seat."), apis=DOMAIN_ONLY
)
MANDATE_UNKNOWN_CELLS = register(
    "mandate.unknown_cells", 400, _("Some district cells do not exist."), apis=DOMAIN_ONLY
)
MEMBERSHIP_INVALID_ROLE = register(
    "membership.invalid_role", 400, _("Unknown membership role."), apis=DOMAIN_ONLY
)
MEMBERSHIP_DUPLICATE = register(
    "membership.duplicate",
    400,
    _("This deputy is already a member of this station."),
    apis=DOMAIN_ONLY,
)
MEMBERSHIP_ALREADY_ENDED = register(
    "membership.already_ended", 400, _("This membership has already ended."), apis=DOMAIN_ONLY
)
MEMBERSHIP_INVALID_UNTIL = register(
    "membership.invalid_until",
    400,
    _("A membership cannot end before it starts."),
    apis=DOMAIN_ONLY,
)
MEMBERSHIP_UNKNOWN_STATION = register(
    "membership.unknown_station", 400, _("Some stations do not exist."), apis=DOMAIN_ONLY
)
MEMBERSHIP_REQUIRED = register(
    "membership.required", 400, _("A deputy must be a member of a station."), apis=DOMAIN_ONLY
)
MEMBERSHIP_HEAD_NOT_MEMBER = register(
    "membership.head_not_member",
    400,
    _("A head of group must be a member of that station."),
    apis=DOMAIN_ONLY,
)

# --- visits and check-ins ---
VISIT_NOT_FOUND = register(
    "visit.not_found", 404, _("No such visit."), apis=MOBILE, doc="missing or not yours"
)
VISIT_INVALID_KIND = register(
    "visit.invalid_kind", 400, _("Unknown visit kind."), apis=MOBILE, field=True
)
VISIT_RETRY = register("visit.retry", 400, _("Please retry."), apis=MOBILE, field=True)
VISITS_RECORDS_REQUIRED = register(
    "visits.records_required",
    400,
    _('Send {"records": [...]}.'),
    apis=MOBILE,
    doc='body is not `{"records": [...]}`',
)
VISITS_BATCH_EMPTY = register(
    "visits.batch_empty", 400, _("The batch has no records."), apis=MOBILE, doc="0 records"
)
VISITS_BATCH_TOO_LARGE = register(
    "visits.batch_too_large",
    400,
    _("Too many records in one batch."),
    apis=MOBILE,
    doc="more than 500 records",
)
CHECKIN_NOT_FOUND = register(
    "checkin.not_found", 404, _("No such check-in."), apis=MOBILE, doc="missing or not yours"
)
CHECKIN_CONFLICT = register(
    "checkin.conflict",
    409,
    _("Another check-in was already stored under this client_uuid."),
    apis=MOBILE,
    doc="the `client_uuid` was used for different content",
)

# --- opinions ---
OPINION_NOT_FOUND = register(
    "opinion.not_found",
    404,
    _("No such opinion."),
    doc={
        "mobile": "missing or not yours",
        "map": "opinion missing **or** outside the jurisdiction",
    },
)
OPINION_CONFLICT = register(
    "opinion.conflict",
    409,
    _("Another opinion was already stored under this client_uuid."),
    apis=MOBILE,
    doc="the `client_uuid` was used for different content",
)
OPINION_INVALID_CONTACT = register(
    "opinion.invalid_contact",
    400,
    _("The contact must be a phone number (digits only)."),
    apis=MOBILE,
)
OPINION_INVALID_CATEGORY = register(
    "opinion.invalid_category", 400, _("Unknown category."), apis=MOBILE
)
OPINION_CONTACT_WITHOUT_CONSENT = register(
    "opinion.contact_without_consent",
    400,
    _("A contact is kept only with the citizen's consent."),
    apis=MOBILE,
)
OPINION_TEXT_TOO_LONG = register(
    "opinion.text_too_long", 400, _("The text is too long."), doc="bad transition fields"
)
OPINION_NOT_ALLOWED = register(
    "opinion.not_allowed",
    403,
    _("Only station staff may do this to an opinion."),
    doc="the action is not the caller's (leaders only read; a deputy only answers their own)",
)
OPINION_INVALID_TRANSITION = register(
    "opinion.invalid_transition",
    409,
    _("The opinion's status does not allow this action."),
    doc={
        "mobile": (
            "`opinions/{id}/answer` while the status is not `handling` or `rehandling` "
            "(`current_status` says which)"
        ),
        "map": (
            "the opinion's status does not allow the action (body also has `current_status`, "
            "`action`)"
        ),
    },
)
OPINION_ALREADY_EXTENDED = register(
    "opinion.already_extended",
    409,
    _("The deadline was already extended once."),
    apis=MAP,
    doc="the deadline was extended once already",
)
OPINION_UNKNOWN_ACTION = register(
    "opinion.unknown_action", 400, _("Unknown action."), apis=MAP, doc="bad transition fields"
)
OPINION_HANDLER_REQUIRED = register(
    "opinion.handler_required",
    400,
    _("Name who handles the opinion."),
    apis=MAP,
    doc="bad transition fields",
)
OPINION_REASON_REQUIRED = register(
    "opinion.reason_required", 400, _("Give a reason."), apis=MAP, doc="bad transition fields"
)
OPINION_ANSWER_REQUIRED = register(
    "opinion.answer_required", 400, _("Give the answer."), doc="bad transition fields"
)
OPINION_INVALID_RATING = register(
    "opinion.invalid_rating",
    400,
    _("The rating must be 1 to 5."),
    apis=MAP,
    doc="bad transition fields",
)
OPINION_DEPARTMENT_NOT_FOUND = register(
    "opinion.department_not_found",
    404,
    _("No such department in the opinion's county."),
    apis=MAP,
    doc="`department` is not an active department of the opinion's county",
)
OPINION_DUPLICATE_NOT_FOUND = register(
    "opinion.duplicate_not_found",
    404,
    _("No such opinion to link to."),
    apis=MAP,
    doc="`duplicate_of` is missing, outside the jurisdiction, the opinion itself or a duplicate",
)

# --- performance record (履职档案), points (积分) ---
RECORD_ENTRY_NOT_FOUND = register(
    "record_entry.not_found",
    404,
    _("No such record entry."),
    apis=MAP,
    doc="missing **or** outside the jurisdiction (same answer)",
)
RECORD_NOT_ALLOWED = register(
    "record.not_allowed",
    403,
    _("Only people's-congress staff may do this."),
    apis=MAP,
    doc="a leader or deputy writing record entries, rules, targets or resolutions",
)
EXPORT_NOT_FOUND = register(
    "export.not_found",
    404,
    _("No such export."),
    apis=MAP,
    doc="missing **or** of a region outside the jurisdiction (same answer)",
)
EXPORT_INVALID_KIND = register(
    "export.invalid_kind",
    400,
    _("Unknown export kind."),
    apis=MAP,
    doc="kind: xlsx, gpkg, deputy_pdf, coverage_pdf",
)
EXPORT_INVALID_DEPUTY = register(
    "export.invalid_deputy",
    400,
    _("A deputy report needs a deputy id."),
    apis=MAP,
    doc="kind=deputy_pdf without `deputy`, or `deputy` not a positive integer",
)
EXPORT_INVALID_REGION_LEVEL = register(
    "export.invalid_region_level",
    400,
    _("A coverage report is of a county or a township."),
    apis=MAP,
    doc="kind=coverage_pdf of a province, city or village",
)
EXPORT_PDF_FONT_MISSING = register(
    "export.pdf_font_missing",
    503,
    _("The PDF report needs a Chinese font: install fonts-wqy-microhei (or set EXPORTS_PDF_FONT)."),
    apis=DOMAIN_ONLY,
)
EXPORT_NOT_READY = register(
    "export.not_ready",
    409,
    _("The export is not ready yet."),
    apis=MAP,
    doc="the file of a queued, running or failed export",
)
RECORD_INVALID_TRANSITION = register(
    "record_entry.invalid_transition",
    409,
    _("This record entry cannot take that step now."),
    apis=MAP,
    doc="entered → verified → audited; entered or verified → rejected",
)
RECORD_SELF_REVIEW = register(
    "record_entry.self_review",
    403,
    _("The person who entered or verified an entry may not approve it too."),
    apis=MAP,
)
RECORD_INVALID_FIELD = register(
    "record.invalid_field",
    400,
    _("A field of the record entry, rule or target is missing or invalid."),
    apis=BOTH,
    doc="`field` names it (item, date, quantity, description, evidence, points, cap, ...)",
)
RECORD_INVALID_YEAR = register(
    "record.invalid_year", 400, _("year must be between 2000 and 2100."), apis=BOTH
)
POINT_RULE_BACKDATED = register(
    "point_rule.backdated",
    400,
    _("A point rule can take effect today at the earliest: past totals are never rewritten."),
    apis=MAP,
)
POINT_DISPUTE_NOT_FOUND = register(
    "point_dispute.not_found",
    404,
    _("No such point dispute."),
    apis=BOTH,
    doc="missing **or** outside the jurisdiction (same answer)",
)
POINT_LINE_NOT_FOUND = register(
    "point_dispute.no_such_line",
    404,
    _("This line is not among your points of that year."),
    apis=MOBILE,
)
POINT_DISPUTE_OPEN = register(
    "point_dispute.already_open",
    409,
    _("This line is already contested."),
    apis=MOBILE,
)
POINT_DISPUTE_CLOSED = register(
    "point_dispute.closed",
    409,
    _("This dispute has been resolved already."),
    apis=MAP,
)

# --- intake (citizens' QR page 上码说 and tracking page; public, no login) ---
INTAKE_CARD_FONT_MISSING = register(
    "intake.card_font_missing",
    503,
    _("The PDF card needs a Chinese font: install fonts-wqy-microhei (or set INTAKE_CARD_FONT)."),
    apis=DOMAIN_ONLY,
)
INTAKE_CAPTCHA_FAILED = register(
    "intake.captcha_failed",
    400,
    _("The characters in the picture do not match: try again."),
    apis=DOMAIN_ONLY,
)
INTAKE_CONSENT_REQUIRED = register(
    "intake.consent_required",
    400,
    _("Tick the consent box to leave a phone number."),
    apis=DOMAIN_ONLY,
)
INTAKE_INVALID_LOCATION = register(
    "intake.invalid_location",
    400,
    _("The location must be a longitude and a latitude."),
    apis=DOMAIN_ONLY,
)
INTAKE_LOCATION_OUT_OF_AREA = register(
    "intake.location_out_of_area",
    400,
    _("The place is outside the area this code serves: pick it again, or send without a place."),
    apis=DOMAIN_ONLY,
)
INTAKE_INVALID_RATING = register(
    "intake.invalid_rating",
    400,
    _("The rating must be a whole number from 1 to 5."),
    apis=DOMAIN_ONLY,
)
INTAKE_NOT_FOUND = register("intake.not_found", 404, _("No such code."), apis=DOMAIN_ONLY)
INTAKE_NOT_RATEABLE = register(
    "intake.not_rateable", 409, _("This opinion has no answer to rate right now."), apis=DOMAIN_ONLY
)
INTAKE_RATE_LIMITED = register(
    "intake.rate_limited", 429, _("Too many submissions: please try again later."), apis=DOMAIN_ONLY
)
INTAKE_TEXT_REQUIRED = register(
    "intake.text_required", 400, _("Write your opinion."), apis=DOMAIN_ONLY
)

# --- projects (livelihood projects decided by deputies' vote, 民生实事项目代表票决制) ---
PROJECT_CALL_NOT_FOUND = register(
    "project.call_not_found",
    404,
    _("No such call for proposals."),
    doc="missing or outside the jurisdiction",
)
PROJECT_CALL_EXISTS = register(
    "project.call_exists", 409, _("This region already has a call for proposals for that year.")
)
PROJECT_CALL_CLOSED = register(
    "project.call_closed", 409, _("The call for proposals is not open today.")
)
PROJECT_NOT_FOUND = register(
    "project.not_found",
    404,
    _("No such proposal or project."),
    doc="missing or outside the jurisdiction",
)
PROJECT_INVALID_STAGE = register(
    "project.invalid_stage", 409, _("The proposal cannot move to that stage from where it is.")
)
PROJECT_REASON_REQUIRED = register(
    "project.reason_required", 400, _("Say why (the reason is kept with the decision).")
)
PROJECT_INVALID_PLACE = register(
    "project.invalid_place",
    400,
    _("The place must be a GeoJSON point, line or area inside the call's region."),
)
PROJECT_INVALID_EVIDENCE = register(
    "project.invalid_evidence",
    400,
    _("Every opinion of the cluster must exist and lie inside the call's region."),
)
PROJECT_INVALID_MERGE = register(
    "project.invalid_merge",
    409,
    _("Only two different open proposals of the same call can be merged."),
)
PROJECT_NOT_CHOSEN = register(
    "project.not_chosen", 409, _("Only a project chosen by the vote is implemented and supervised.")
)
PROJECT_INVALID_PROGRESS = register(
    "project.invalid_progress", 400, _("Progress is a whole number from 0 to 100.")
)
PROJECT_CONFLICT = register(
    "project.conflict", 409, _("This record was already uploaded with different content.")
)
BALLOT_NOT_FOUND = register(
    "ballot.not_found",
    404,
    _("No such ballot."),
    doc="missing, outside the jurisdiction, or the deputy is not entitled to it",
)
BALLOT_INVALID_CANDIDATES = register(
    "ballot.invalid_candidates",
    400,
    _("A competitive ballot needs more candidates than seats, all ballot candidates of this call."),
)
BALLOT_INVALID_SEATS = register(
    "ballot.invalid_seats", 400, _("The seats must be at least 1 and at least the minimum choices.")
)
BALLOT_CLOSED = register("ballot.closed", 409, _("This ballot is closed."))
BALLOT_ALREADY_VOTED = register(
    "ballot.already_voted", 409, _("You have already voted in this ballot.")
)
BALLOT_NOT_ELIGIBLE = register(
    "ballot.not_eligible", 403, _("Only current deputies of this congress may vote in this ballot.")
)
BALLOT_TOO_MANY_CHOICES = register(
    "ballot.too_many_choices", 400, _("You chose more candidates than there are seats.")
)
BALLOT_TOO_FEW_CHOICES = register(
    "ballot.too_few_choices",
    400,
    _("Choose at least the minimum number of candidates, or leave the ballot blank."),
)
BALLOT_INVALID_CHOICE = register(
    "ballot.invalid_choice", 400, _("Every choice must be a different candidate of this ballot.")
)
BALLOT_PAPER_INVALID = register(
    "ballot.paper_invalid",
    400,
    _(
        "The paper count does not add up: one count per candidate, blank and invalid ballots "
        "within the ballots cast, no candidate above the valid ballots."
    ),
)
BALLOT_PAPER_TOO_MANY = register(
    "ballot.paper_too_many",
    409,
    _("Paper and phone ballots together exceed the deputies entitled to vote."),
)
BALLOT_PAPER_SAME_TELLER = register(
    "ballot.paper_same_teller",
    409,
    _("The second entry of the paper count must be made by a different teller."),
)
BALLOT_PAPER_MISMATCH = register(
    "ballot.paper_mismatch",
    409,
    _("The two tellers' counts differ: both entries are void, count again and enter both anew."),
    doc="`differences`: the lines that differ, with both tellers' numbers",
)
BALLOT_PAPER_DONE = register(
    "ballot.paper_done", 409, _("The paper count of this ballot is already matched.")
)
BALLOT_PAPER_PENDING = register(
    "ballot.paper_pending",
    409,
    _("A paper count waits for its second teller: enter it before closing the ballot."),
)
PROJECT_NOT_ALLOWED = register(
    "project.not_allowed",
    403,
    _("Only staff of the jurisdiction may change calls, proposals, ballots and projects."),
    apis=MAP,
    doc="a leader (reads only) writing",
)
PROJECT_TEXT_REQUIRED = register(
    "project.text_required",
    400,
    _("Write a title and a description of the proposal."),
    apis=DOMAIN_ONLY,
    doc="the citizens' proposal page: `field` names the empty one",
)
PROJECT_ALREADY_RATED = register(
    "project.already_rated",
    409,
    _("This device has already rated this project: thank you."),
    apis=DOMAIN_ONLY,
    doc="the citizens' satisfaction page: one rating per device",
)
PROJECT_NO_OPEN_CALL = register(
    "project.no_open_call",
    409,
    _(
        "No call for proposals of this township or county is open today: open one on the "
        "livelihood projects page first."
    ),
    apis=MAP,
    doc="the dashboard's cluster → proposal: no open call covers the cluster's opinions",
)
PROJECT_CLUSTER_PROPOSED = register(
    "project.cluster_proposed",
    409,
    _("These opinions are already the evidence of a proposal of this call."),
    apis=MAP,
    doc="the same cluster turned into a proposal twice; `id`: the existing proposal",
)
PROJECT_NO_CLUSTER = register(
    "project.no_cluster",
    404,
    _("No such opinion cluster here (any more): reload the map."),
    apis=MAP,
    doc="the cluster named is not among the region's clusters of the window",
)
PROJECT_INVALID_FIELD = register(
    "project.invalid_field",
    400,
    _("A field of the request is missing or invalid."),
    apis=MAP,
    field=True,
    doc="`field` names it (a whole number in range, a text, `confirm: true`, ...)",
)

# --- campaigns (千名代表访万人, a 走访50户 year; docs/campaigns.md) ---
CAMPAIGN_NOT_FOUND = register(
    "campaign.not_found",
    404,
    _("No such campaign."),
    apis=MAP,
    doc="missing **or** outside the jurisdiction (same answer)",
)
CAMPAIGN_NOT_ALLOWED = register(
    "campaign.not_allowed",
    403,
    _("Only staff of the jurisdiction may create or change campaigns."),
    apis=MAP,
    doc="a leader (reads only) writing",
)
CAMPAIGN_INVALID_FIELD = register(
    "campaign.invalid_field",
    400,
    _("A field of the campaign is missing or invalid."),
    apis=MAP,
    field=True,
    doc="`field` names it (name, region, starts_on/ends_on, a target, deputy ids)",
)
CAMPAIGN_INVALID_REGION = register(
    "campaign.invalid_region",
    400,
    _("A campaign covers a county or a township."),
    apis=MAP,
)
CAMPAIGN_INVALID_DEPUTY = register(
    "campaign.invalid_deputy",
    400,
    _("A participant must be a deputy inside the campaign's region."),
    apis=MAP,
    doc="a deputy id missing, outside the region or outside the jurisdiction (same answer)",
)

# --- map data API: query parameters and bodies (map_ui/data) ---
MAP_UNKNOWN_LAYER = register(
    "map.unknown_layer", 404, _("No such map layer."), apis=MAP, doc="no such layer / URL"
)
MAP_INVALID_BBOX = register(
    "map.invalid_bbox",
    400,
    _("bbox must be four finite numbers: w,s,e,n."),
    apis=MAP,
    doc=(
        "bbox not four finite numbers `w,s,e,n` in range with w < e, s < n (NaN, Infinity rejected)"
    ),
)
MAP_AREA_TOO_LARGE = register(
    "map.area_too_large",
    400,
    _("The area is too large for GeoJSON; use the map tiles."),
    apis=MAP,
    doc="bbox over 2,500 km², or more than 5,000 cells: use the tiles",
)
MAP_INVALID_TILE = register(
    "map.invalid_tile", 400, _("No such tile (z/x/y out of range)."), apis=MAP
)
MAP_INVALID_REGION = register(
    "map.invalid_region", 400, _("region must be an adcode (2 to 12 digits)."), apis=MAP
)
MAP_INVALID_STATE = register(
    "map.invalid_state", 400, _("Unknown cell state."), apis=MAP, doc="bad choice"
)
MAP_INVALID_CATEGORY = register(
    "map.invalid_category", 400, _("Unknown opinion category."), apis=MAP, doc="bad choice"
)
MAP_INVALID_STATUS = register(
    "map.invalid_status",
    400,
    _("Unknown opinion status."),
    apis=MAP,
    doc="bad opinion parameters or body field types",
)
MAP_INVALID_BY = register(
    "map.invalid_by",
    400,
    _("by must be township, county, station or deputy."),
    apis=MAP,
    doc="bad choice",
)
MAP_INVALID_OVERDUE = register(
    "map.invalid_overdue",
    400,
    _("overdue must be 0 or 1."),
    apis=MAP,
    doc="bad opinion parameters or body field types",
)
MAP_INVALID_OUTLINE = register(
    "map.invalid_outline",
    400,
    _("outline must be 0 or 1."),
    apis=MAP,
    doc="bad `outline` of the region statistics",
)
MAP_INVALID_LIMIT = register(
    "map.invalid_limit",
    400,
    _("limit is out of range."),
    apis=MAP,
    doc="number out of range (limit 1…500, eps_m 10…5000, min_points 2…100)",
)
MAP_INVALID_OFFSET = register(
    "map.invalid_offset",
    400,
    _("offset is out of range."),
    apis=MAP,
    doc="bad opinion parameters or body field types",
)
MAP_INVALID_EPS_M = register(
    "map.invalid_eps_m",
    400,
    _("eps_m is out of range."),
    apis=MAP,
    doc="number out of range (limit 1…500, eps_m 10…5000, min_points 2…100)",
)
MAP_INVALID_MIN_POINTS = register(
    "map.invalid_min_points",
    400,
    _("min_points is out of range."),
    apis=MAP,
    doc="number out of range (limit 1…500, eps_m 10…5000, min_points 2…100)",
)
MAP_INVALID_CELLS = register(
    "map.invalid_cells", 400, _("cells must be a list of ids."), apis=MAP, doc="bad ids or body"
)
MAP_TOO_MANY_CELLS = register(
    "map.too_many_cells", 400, _("Too many cells at once."), apis=MAP, doc="bad ids or body"
)
MAP_INVALID_DEPUTY = register(
    "map.invalid_deputy", 400, _("deputy must be an id."), apis=MAP, doc="bad ids or body"
)
MAP_INVALID_REASON = register(
    "map.invalid_reason", 400, _("reason must be text."), apis=MAP, doc="bad ids or body field type"
)
MAP_INVALID_ACTION = register(
    "map.invalid_action",
    400,
    _("action must be text."),
    apis=MAP,
    doc="bad opinion parameters or body field types",
)
MAP_INVALID_HANDLER = register(
    "map.invalid_handler",
    400,
    _("handler must be text."),
    apis=MAP,
    doc="bad opinion parameters or body field types",
)
MAP_INVALID_ANSWER = register(
    "map.invalid_answer",
    400,
    _("answer must be text."),
    apis=MAP,
    doc="bad opinion parameters or body field types",
)
MAP_INVALID_NOTE = register(
    "map.invalid_note",
    400,
    _("note must be text."),
    apis=MAP,
    doc="bad opinion parameters or body field types",
)
MAP_INVALID_DATE = register(
    "map.invalid_date", 400, _("from must be a date (YYYY-MM-DD)."), apis=MAP, doc="bad date"
)
MAP_INVALID_MONTH = register(
    "map.invalid_month", 400, _("month must be YYYY-MM."), apis=MAP, doc="bad date"
)
STATION_NOT_ALLOWED = register(
    "station.not_allowed",
    403,
    _("Only staff of the station's county may change its rhythm."),
    apis=MAP,
)

# --- OGC API - Features (/ogc/; map_ui/ogc, docs/ogc-api.md) ---
OGC_UNKNOWN_COLLECTION = register(
    "ogc.unknown_collection",
    404,
    _("No such collection."),
    apis=MAP,
    doc="OGC API: the collection is not cells, stations or clusters",
)
OGC_FEATURE_NOT_FOUND = register(
    "ogc.feature_not_found",
    404,
    _("No such feature."),
    apis=MAP,
    doc="OGC API: no such feature id, or the feature lies outside your jurisdiction",
)
OGC_INVALID_BBOX = register(
    "ogc.invalid_bbox",
    400,
    _("bbox must be four finite numbers: west,south,east,north in degrees."),
    apis=MAP,
    doc="OGC API: bbox not 4 (or 6) finite numbers in range with west <= east, south <= north",
)
OGC_INVALID_BBOX_CRS = register(
    "ogc.invalid_bbox_crs",
    400,
    _("Only CRS84 (WGS-84 longitude, latitude) is supported."),
    apis=MAP,
    doc="OGC API: bbox-crs other than CRS84",
)
OGC_INVALID_LIMIT = register(
    "ogc.invalid_limit",
    400,
    _("limit must be a whole number of at least 1."),
    apis=MAP,
    doc="OGC API: limit not a whole number >= 1 (over the maximum it is lowered to it)",
)
OGC_INVALID_OFFSET = register(
    "ogc.invalid_offset",
    400,
    _("offset must be a whole number from 0 to 10,000,000."),
    apis=MAP,
    doc="OGC API: offset not a whole number in 0..10,000,000",
)

# --- station life (deliberation days, link activities, station health) ---
DELIBERATION_NOT_FOUND = register(
    "deliberation.not_found", 404, _("No such deliberation day."), apis=MAP
)
ACTION_ITEM_NOT_FOUND = register("action_item.not_found", 404, _("No such action item."), apis=MAP)
LINK_NOT_FOUND = register(
    "link.not_found", 404, _("No such cross-province link."), apis=MAP, doc="neither side is yours"
)
PROBLEM_NOT_FOUND = register("problem.not_found", 404, _("No such cross-border problem."), apis=MAP)
STATIONLIFE_NOT_ALLOWED = register(
    "stationlife.not_allowed",
    403,
    _("Only staff of the station's region may do this."),
    apis=MAP,
    doc="a leader or a deputy writing; a problem solved by the side it is not routed to",
)
STATIONLIFE_INVALID_FIELD = register(
    "stationlife.invalid_field",
    400,
    _("A field is missing or invalid."),
    apis=MAP,
    doc="`field` names it (date, title, importance, owner, due_on, kind, place_adcode, ...)",
)
DELIBERATION_TOO_SOON = register(
    "deliberation.too_soon",
    400,
    _("A deliberation day is planned at least three days ahead, so participants hear in time."),
    apis=MAP,
)
DELIBERATION_DUPLICATE = register(
    "deliberation.duplicate",
    409,
    _("The station already has a deliberation day on this date."),
    apis=MAP,
)
DELIBERATION_INVALID_STATE = register(
    "deliberation.invalid_state",
    409,
    _("Not possible in the deliberation day's current state."),
    apis=MAP,
    doc=(
        "recording a cancelled day or one not yet reached, changing a held one, following a "
        "done action, solving a solved problem"
    ),
)
DELIBERATION_TOO_MANY_TOPICS = register(
    "deliberation.too_many_topics",
    409,
    _("A deliberation day takes one or two topics."),
    apis=MAP,
)
PROBLEM_PLACE_OFF_LINK = register(
    "problem.place_off_link",
    400,
    _("The place lies on neither side of this link."),
    apis=MAP,
)

# --- rota, leave/swaps, receptions (liaison; docs/stations.md) ---
ROTA_NOT_A_DUTY_DAY = register(
    "rota.not_a_duty_day",
    400,
    _("That day is not a held duty day of the station."),
    doc="a rota edit, request or reception on a day the station's rule does not hold",
)
ROTA_INVALID_FIELD = register(
    "rota.invalid_field",
    400,
    _("A field of the rota, request or reception is missing or invalid."),
    doc="`field` names it (date, deputy_id, action, kind, reason, decision, citizens_received)",
)
ROTA_DEPUTY_NOT_ELIGIBLE = register(
    "rota.deputy_not_eligible",
    400,
    _("That deputy cannot be on duty at this station on that day."),
    doc="neither a member of the station that day nor a deputy of its county",
)
ROTA_NOT_ROSTERED = register(
    "rota.not_rostered",
    409,
    _("You are not on the rota of that station on that day."),
    doc="leave or swap for a day the deputy is not rostered",
)
ROTA_ALREADY_ROSTERED = register(
    "rota.already_rostered",
    409,
    _("The substitute is already on duty that day."),
)
ROTA_DAY_PASSED = register(
    "rota.day_passed", 409, _("That duty day is over."), doc="leave or swap after the day"
)
ROTA_REQUEST_EXISTS = register(
    "rota.request_exists",
    409,
    _("There is already a pending or approved request for that day."),
)
ROTA_REQUEST_NOT_FOUND = register(
    "rota.request_not_found",
    404,
    _("No such leave or swap request."),
    doc="missing or not yours",
)
ROTA_REQUEST_DECIDED = register(
    "rota.request_decided",
    409,
    _("The request has already been decided or withdrawn."),
)
ROTA_NOT_ALLOWED = register(
    "rota.not_allowed",
    403,
    _("Only staff of the station's county may change its rota, requests or receptions."),
    apis=MAP,
)
RECEPTION_IN_FUTURE = register(
    "reception.in_future",
    400,
    _("A reception can be recorded on or after its day."),
    apis=MAP,
)

# The answer for a bare HTTP status (Django's error pages, DRF's own exceptions) in every API.
BY_STATUS: dict[int, ErrorCode] = {
    400: REQUEST_INVALID,
    401: AUTH_REQUIRED,
    403: AUTH_FORBIDDEN,
    404: REQUEST_NOT_FOUND,
    405: REQUEST_METHOD_NOT_ALLOWED,
    406: REQUEST_NOT_ACCEPTABLE,
    413: REQUEST_TOO_LARGE,
    415: REQUEST_UNSUPPORTED_MEDIA_TYPE,
    429: REQUEST_THROTTLED,
    500: SERVER_ERROR,
}


def for_status(status: int) -> ErrorCode:
    """The registered code of a bare HTTP error status (unknown: 400 or 500 by class)."""
    return BY_STATUS.get(status) or BY_STATUS[500 if status >= 500 else 400]
