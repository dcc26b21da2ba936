"""Jurisdiction profiles and national rules as data, each rule with its citation.

    from xinyong.law import active_profile
    rule = active_profile().rule("publicity.penalty", on=decision_date)
"""
from xinyong.law.loader import (
    PROFILES_DIR,
    Citation,
    Profile,
    ProfileError,
    Regulation,
    Rule,
    RuleNotInForce,
    active_profile,
    available_profiles,
    get_profile,
    load_profile,
    reset_profiles,
)

__all__ = [
    "PROFILES_DIR",
    "Citation",
    "Profile",
    "ProfileError",
    "Regulation",
    "Rule",
    "RuleNotInForce",
    "active_profile",
    "available_profiles",
    "get_profile",
    "load_profile",
    "reset_profiles",
]
