"""Every tenant setting can be changed with the tenant PATCH: a setting added to TenantSettings but not to
TenantSettingsUpdate would be silently refused (extra fields are forbidden) and only a re-created tenant
could change it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.models.api import TenantSettings
from shared.onboarding.schemas import TenantSettingsUpdate


def test_every_tenant_setting_is_patchable() -> None:
    assert set(TenantSettingsUpdate.model_fields) == set(TenantSettings.model_fields)


def test_a_patched_burst_gap_keeps_the_settings_limits() -> None:
    assert TenantSettingsUpdate.model_validate({"mass_delete_burst_gap_s": 120}).mass_delete_burst_gap_s == 120
    for bad in (0, 3601):
        with pytest.raises(ValidationError):
            TenantSettingsUpdate.model_validate({"mass_delete_burst_gap_s": bad})
