"""The field-record kernel: what every record from a deputy's phone (a visit, a check-in, an
opinion) has and how it is written.

- `models`: the abstract models of the shared columns (`FieldRecord`, `PhoneFix`) and
  the two relations they build (`deputy_field`, `cell_field`).
- `services`: `content_hash`, the one idempotent write (`record_or_replay`) and the outcome
  statuses; `cell_at(point)`, the one rule for the grid cell of a point (and its SQL twin for
  set-based writes).

It imports no field-record app: visits, check-ins and opinions depend on it.
"""
