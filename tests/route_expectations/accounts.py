"""Who may call the routes of issue #10 points 4-5 (password change; look-ups by POST), by hand."""
from tests.route_expectations import PUBLIC, SIGNED_IN

EXPECTED = {
    ("POST", "/api/v1/admin/users/{username}/disable"): {"admin"},
    ("POST", "/api/v1/admin/users/{username}/enable"): {"admin"},
    ("GET", "/account/password"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("POST", "/search"): PUBLIC,
    ("POST", "/window/authorisations/lookup"): {"staff"},
    ("POST", "/repair/window/lookup"): {"staff"},
}
