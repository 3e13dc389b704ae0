"""Writes of accounts.

Invariants:
- Deactivating an account ends every token issued to it: `token_generation` is bumped, and the
  phone API refuses tokens issued under an older generation (mobile_api.auth), so reactivating
  the account later does not bring its old tokens back to life. Every way of deactivating (the
  admin's "active" checkbox included) goes through `user_deactivate`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from .models import User


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """Deactivate the account and invalidate all of its tokens (idempotent for the flag; each
    call starts a new token generation)."""
    User.objects.filter(pk=user.pk).update(
        is_active=False, token_generation=F("token_generation") + 1
    )
    user.refresh_from_db(fields=["is_active", "token_generation"])
    return user
