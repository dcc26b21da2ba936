"""The public portal (issue #13 point 2): the home page, service guides and 双公示 browsing for
anyone; bulletins (通知公告 / 政策法规) read by anyone, written by the credit department."""
from tests.route_expectations import PUBLIC

STAFF = {"staff", "admin"}
EXPECTED = {
    ("GET", "/services/repair"): PUBLIC, ("GET", "/services/reports"): PUBLIC,
    ("GET", "/lists/entries/{entry_id}/decision"): PUBLIC,
    ("GET", "/publicity"): PUBLIC, ("GET", "/api/v1/publicity"): PUBLIC,
    ("GET", "/notices"): PUBLIC, ("GET", "/policies"): PUBLIC,
    ("GET", "/policies/regulations/{regulation_id}"): PUBLIC,
    ("GET", "/bulletins/{bulletin_id}"): PUBLIC,
    ("GET", "/bulletins/{bulletin_id}/attachments/{attachment_id}"): PUBLIC,
    ("GET", "/api/v1/bulletins"): PUBLIC, ("GET", "/api/v1/bulletins/{bulletin_id}"): PUBLIC,
    ("POST", "/api/v1/bulletins"): STAFF, ("POST", "/api/v1/bulletins/{bulletin_id}"): STAFF,
    ("POST", "/api/v1/bulletins/{bulletin_id}/publish"): STAFF,
    ("POST", "/api/v1/bulletins/{bulletin_id}/withdraw"): STAFF,
    ("POST", "/api/v1/bulletins/{bulletin_id}/attachments"): STAFF,
    ("GET", "/staff/bulletins"): STAFF, ("POST", "/staff/bulletins"): STAFF,
    ("GET", "/staff/bulletins/{bulletin_id}"): STAFF, ("POST", "/staff/bulletins/{bulletin_id}"): STAFF,
    ("POST", "/staff/bulletins/{bulletin_id}/publish"): STAFF,
    ("POST", "/staff/bulletins/{bulletin_id}/withdraw"): STAFF,
    ("POST", "/staff/bulletins/{bulletin_id}/attachments"): STAFF,
    ("POST", "/staff/bulletins/{bulletin_id}/attachments/{attachment_id}/remove"): STAFF,
}
