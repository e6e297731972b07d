"""Governance time limits and rules a district may tune.

Defaults follow the Daguan admission procedure and the State Council's 《信访工作条例》;
override any of them in `settings.SHAOBAO["GOVERNANCE"]` (a dict with the same keys).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Work-item admission (村/社区工作事项准入).
    "ADMISSION_APPLY_AHEAD_WORK_DAYS": 30,  # apply at least this long before taking effect
    "ADMISSION_DECIDE_WORK_DAYS": 15,  # the authority decides within this
    "ADMISSION_AUTHORITY_DEPARTMENT": "shgzb",  # 区委社会工作部 reviews applications
    # Petitions (信访): limits counted in PETITION_TIME_KIND (calendar days by default).
    "PETITION_TIME_KIND": "calendar_days",
    "PETITION_ACCEPT_DAYS": 15,
    "PETITION_CONCLUDE_DAYS": 60,
    "PETITION_EXTENSION_DAYS": 30,
    "PETITION_REVIEW_REQUEST_DAYS": 30,  # a 复查 request must come within this after the result
    # Dual points (双积分).
    "PARTY_POST_CLAIM_POINTS": 5,
    "PARTY_ACTIVITY_POINTS": 2,
}


def governance_rule(name: str) -> Any:
    overrides: dict[str, Any] = getattr(settings, "SHAOBAO", {}).get("GOVERNANCE", {})
    return overrides.get(name, DEFAULTS[name])
