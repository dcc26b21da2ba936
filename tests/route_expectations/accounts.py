"""Who may call the routes of issue #10 points 4-5 (password change; look-ups by POST) and of issue #13
point 5 (accounts people can get), by hand."""
from tests.route_expectations import PUBLIC, SIGNED_IN

EXPECTED = {
    ("POST", "/api/v1/admin/users/{username}/disable"): {"admin"},
    ("POST", "/api/v1/admin/users/{username}/enable"): {"admin"},
    ("GET", "/account/password"): SIGNED_IN | {"registrant"},
    ("POST", "/account/password"): SIGNED_IN | {"registrant"},
    # issue 13 point 5: self-registration, identity proof, reset links, an organisation's staff accounts
    ("GET", "/register"): PUBLIC, ("POST", "/register"): PUBLIC, ("POST", "/api/v1/register"): PUBLIC,
    ("GET", "/account/identity"): {"registrant"}, ("POST", "/account/identity/start"): {"registrant"},
    ("GET", "/account/identity/callback"): {"registrant"},
    ("GET", "/account/reset"): PUBLIC, ("POST", "/account/reset"): PUBLIC,
    ("GET", "/account/reset/confirm"): PUBLIC, ("POST", "/account/reset/confirm"): PUBLIC,
    ("POST", "/api/v1/password-reset"): PUBLIC,
    ("GET", "/agency/staff"): {"agency_admin"}, ("POST", "/agency/staff"): {"agency_admin"},
    ("POST", "/agency/staff/{username}/disable"): {"agency_admin"},
    ("POST", "/agency/staff/{username}/enable"): {"agency_admin"},
    ("POST", "/agency/staff/{username}/reset"): {"agency_admin"},
    ("POST", "/search"): PUBLIC,
    ("POST", "/window/authorisations/lookup"): {"staff"},
    ("POST", "/repair/window/lookup"): {"staff"},
}
