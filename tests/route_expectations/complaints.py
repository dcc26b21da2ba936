"""Complaints and reports (QZ art. 37): anyone files and reads the result with the tracking code;
the credit department's staff assign and handle (the identity view is further limited to the
assigned handler by the service: 404 for every other staff member); a supervisor approves a
change of handler (four eyes) and reads the queue; auditors list the identity's openings."""
from tests.route_expectations import AUDIT, PUBLIC, SIGNED_IN

STAFF = {"staff", "admin"}
READERS = {"staff", "supervisor", "admin"}
SUPERVISORS = {"supervisor"}
EXPECTED = {
    ("POST", "/api/v1/complaints"): PUBLIC, ("POST", "/api/v1/complaints/track"): PUBLIC,
    ("GET", "/api/v1/me/complaints"): SIGNED_IN,
    ("GET", "/api/v1/complaints"): READERS, ("GET", "/api/v1/complaints/{complaint_id}"): READERS,
    ("GET", "/api/v1/complaints/{complaint_id}/handler-view"): STAFF,
    ("POST", "/api/v1/complaints/{complaint_id}/assign"): STAFF,
    ("POST", "/api/v1/complaints/{complaint_id}/handle"): STAFF,
    ("GET", "/api/v1/complaints/reassignments"): SUPERVISORS,
    ("GET", "/api/v1/complaints/{complaint_id}/reassignments"): READERS,
    ("POST", "/api/v1/complaints/{complaint_id}/reassignments"): STAFF,
    ("POST", "/api/v1/complaints/{complaint_id}/reassignments/{request_id}/approve"): SUPERVISORS,
    ("POST", "/api/v1/complaints/{complaint_id}/reassignments/{request_id}/refuse"): SUPERVISORS,
    ("GET", "/api/v1/complaints/{complaint_id}/identity-views"): AUDIT,
    ("GET", "/complaints/new"): PUBLIC, ("POST", "/complaints/new"): PUBLIC,
    ("GET", "/complaints/track"): PUBLIC, ("POST", "/complaints/track"): PUBLIC,
    ("GET", "/me/complaints"): SIGNED_IN,
    ("GET", "/complaints"): READERS, ("GET", "/complaints/{complaint_id}"): READERS,
    ("POST", "/complaints/{complaint_id}/assign"): STAFF, ("POST", "/complaints/{complaint_id}/handle"): STAFF,
    ("GET", "/complaints/reassignments"): SUPERVISORS,
    ("GET", "/complaints/{complaint_id}/identity-views"): AUDIT,
    ("POST", "/complaints/{complaint_id}/reassignments"): STAFF,
    ("POST", "/complaints/{complaint_id}/reassignments/{request_id}/approve"): SUPERVISORS,
    ("POST", "/complaints/{complaint_id}/reassignments/{request_id}/refuse"): SUPERVISORS,
}
