"""Each role's home after sign-in (issue 13 point 4)."""
from __future__ import annotations

from tests.route_expectations import SIGNED_IN

EXPECTED = {
    ("GET", "/workbench"): SIGNED_IN,
}
