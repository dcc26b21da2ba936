"""Who may call the credit repair routes (xinyong.repair.api / pages), written out by hand."""
ACTORS = {"staff", "agency"}
READERS = {"subject", "staff", "agency"}

EXPECTED = {
    ("GET", "/api/v1/me/repair/eligibility"): {"subject"},
    ("GET", "/api/v1/me/repair/applications"): {"subject"},
    ("POST", "/api/v1/me/repair/applications"): {"subject"},
    ("GET", "/api/v1/repair/subjects/{subject_id}/eligibility"): {"staff"},
    ("POST", "/api/v1/repair/window/eligibility"): {"staff"},
    ("POST", "/api/v1/repair/window/applications"): {"staff"},
    ("GET", "/api/v1/repair/applications"): ACTORS,
    ("GET", "/api/v1/repair/applications/{app_id}"): READERS,
    ("GET", "/api/v1/repair/applications/{app_id}/materials/{material_id}"): READERS,
    ("POST", "/api/v1/repair/applications/{app_id}/accept"): ACTORS,
    ("POST", "/api/v1/repair/applications/{app_id}/refuse"): ACTORS,
    ("POST", "/api/v1/repair/applications/{app_id}/extend"): ACTORS,
    ("POST", "/api/v1/repair/applications/{app_id}/approve"): ACTORS,
    ("POST", "/api/v1/repair/applications/{app_id}/reject"): ACTORS,
    ("POST", "/api/v1/repair/applications/{app_id}/revoke"): ACTORS,
    ("GET", "/me/repair"): {"subject"},
    ("POST", "/me/repair"): {"subject"},
    ("GET", "/repair/window"): {"staff"},
    ("POST", "/repair/window"): {"staff"},
    ("GET", "/repair/queue"): ACTORS,
    ("GET", "/repair/{app_id}"): READERS,
    ("GET", "/repair/{app_id}/materials/{material_id}"): READERS,
    ("POST", "/repair/{app_id}/accept"): ACTORS,
    ("POST", "/repair/{app_id}/refuse"): ACTORS,
    ("POST", "/repair/{app_id}/extend"): ACTORS,
    ("POST", "/repair/{app_id}/approve"): ACTORS,
    ("POST", "/repair/{app_id}/reject"): ACTORS,
    ("POST", "/repair/{app_id}/revoke"): ACTORS,
}
