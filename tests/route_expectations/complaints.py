"""Complaints and reports (QZ art. 37): anyone files and reads the result with the tracking code;
the credit department's staff assign and handle (the identity view is further limited to the
assigned handler by the service: 404 for every other staff member)."""
from tests.route_expectations import PUBLIC, SIGNED_IN

STAFF = {"staff", "admin"}
EXPECTED = {
    ("POST", "/api/v1/complaints"): PUBLIC, ("POST", "/api/v1/complaints/track"): PUBLIC,
    ("GET", "/api/v1/me/complaints"): SIGNED_IN,
    ("GET", "/api/v1/complaints"): STAFF, ("GET", "/api/v1/complaints/{complaint_id}"): STAFF,
    ("GET", "/api/v1/complaints/{complaint_id}/handler-view"): STAFF,
    ("POST", "/api/v1/complaints/{complaint_id}/assign"): STAFF,
    ("POST", "/api/v1/complaints/{complaint_id}/handle"): STAFF,
    ("GET", "/complaints/new"): PUBLIC, ("POST", "/complaints/new"): PUBLIC,
    ("GET", "/complaints/track"): PUBLIC, ("POST", "/complaints/track"): PUBLIC,
    ("GET", "/me/complaints"): SIGNED_IN,
    ("GET", "/complaints"): STAFF, ("GET", "/complaints/{complaint_id}"): STAFF,
    ("POST", "/complaints/{complaint_id}/assign"): STAFF, ("POST", "/complaints/{complaint_id}/handle"): STAFF,
}
