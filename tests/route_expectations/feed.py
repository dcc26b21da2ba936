"""The change feed (QZ art. 36 para. 2): organisations' accounts read and acknowledge (an
organisation that is not a registered receiver gets 404, a credit service agency registers on
its first call); credit-department staff register receivers and watch the overdue counts."""
from tests.route_expectations import ORGS

STAFF = {"staff", "admin"}
EXPECTED = {
    ("GET", "/api/v1/feed"): ORGS, ("POST", "/api/v1/feed/ack"): ORGS, ("GET", "/api/v1/feed/status"): ORGS,
    ("GET", "/api/v1/feed/receivers"): STAFF, ("POST", "/api/v1/feed/receivers"): STAFF,
    ("POST", "/api/v1/feed/receivers/{receiver_id}/deactivate"): STAFF,
    ("GET", "/feed"): ORGS, ("POST", "/feed/ack"): ORGS,
    ("GET", "/feed/receivers"): STAFF, ("POST", "/feed/receivers"): STAFF,
}
