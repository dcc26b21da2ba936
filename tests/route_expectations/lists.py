"""Lists: public lists, the office's listing procedure, the subject's own listings."""
from tests.route_expectations import PUBLIC

OFFICE = {"agency", "staff", "admin", "auditor"}
ACTORS = {"agency", "staff"}

EXPECTED = {
    ("GET", "/api/v1/lists"): PUBLIC,
    ("GET", "/api/v1/lists/entries"): PUBLIC,
    ("GET", "/api/v1/lists/subjects/{subject_id}"): PUBLIC,
    ("GET", "/api/v1/lists/proposals"): OFFICE,
    ("POST", "/api/v1/lists/proposals"): ACTORS,
    ("GET", "/api/v1/lists/proposals/{proposal_id}"): OFFICE | {"subject"},
    ("POST", "/api/v1/lists/proposals/{proposal_id}/notice"): ACTORS,
    ("POST", "/api/v1/lists/proposals/{proposal_id}/objection"): {"subject"},
    ("POST", "/api/v1/lists/proposals/{proposal_id}/objection-reply"): ACTORS,
    ("POST", "/api/v1/lists/proposals/{proposal_id}/decision"): ACTORS,
    ("POST", "/api/v1/lists/proposals/{proposal_id}/publication"): ACTORS,
    ("POST", "/api/v1/lists/entries/{entry_id}/removal"): {"staff"},
    ("GET", "/api/v1/me/lists"): {"subject"},
    ("GET", "/lists"): PUBLIC,
    ("GET", "/lists/subject/{subject_id}"): PUBLIC,
    ("GET", "/lists/{kind}"): PUBLIC,
    ("GET", "/office/lists"): OFFICE,
    ("GET", "/office/lists/new"): ACTORS,
    ("POST", "/office/lists/new"): ACTORS,
    ("GET", "/office/lists/proposals/{proposal_id}"): OFFICE,
    ("POST", "/office/lists/proposals/{proposal_id}/notice"): ACTORS,
    ("POST", "/office/lists/proposals/{proposal_id}/objection-reply"): ACTORS,
    ("POST", "/office/lists/proposals/{proposal_id}/decision"): ACTORS,
    ("POST", "/office/lists/proposals/{proposal_id}/publication"): ACTORS,
    ("POST", "/office/lists/entries/{entry_id}/removal"): {"staff"},
    ("GET", "/me/lists"): {"subject"},
    ("POST", "/me/lists/{proposal_id}/objection"): {"subject"},
}
