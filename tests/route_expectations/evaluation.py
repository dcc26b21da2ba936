"""Who may call the evaluation routes (xinyong.evaluation.api / pages), written out by hand."""
from tests.route_expectations import PUBLIC, SENDERS

STAFF = {"staff", "admin"}
OVERSEERS = {"staff", "admin", "auditor"}

EXPECTED = {
    ("GET", "/api/v1/evaluation/subjects/{subject_id}"): PUBLIC,
    ("GET", "/api/v1/evaluation/subjects/{subject_id}/contributions/{indicator}"): PUBLIC,
    ("GET", "/api/v1/me/evaluation"): {"subject"},
    ("GET", "/api/v1/evaluation/overview"): OVERSEERS,
    ("POST", "/api/v1/evaluation/recompute"): STAFF,
    ("POST", "/api/v1/evaluation/sector-imports"): SENDERS,
    ("GET", "/evaluation/subjects/{subject_id}"): PUBLIC,
    ("GET", "/evaluation/subjects/{subject_id}/contributions/{indicator}"): PUBLIC,
    ("GET", "/me/evaluation"): {"subject"},
    ("GET", "/evaluation"): OVERSEERS,
    ("POST", "/evaluation/recompute"): STAFF,
    ("GET", "/evaluation/sector"): SENDERS,
    ("POST", "/evaluation/sector"): SENDERS,
}
