"""Self-declared information (QZ art. 13, FZ art. 10 para. 2): anyone reads a subject's published
declarations; a subject's account declares and withdraws its own; the credit department sees
all and withdraws unlawful ones."""
from tests.route_expectations import PUBLIC

STAFF = {"staff", "admin"}
EXPECTED = {
    ("GET", "/api/v1/subjects/{subject_id}/declarations"): PUBLIC,
    ("GET", "/api/v1/me/declarations"): {"subject"}, ("POST", "/api/v1/me/declarations"): {"subject"},
    ("POST", "/api/v1/me/declarations/{declaration_id}/withdraw"): {"subject"},
    ("GET", "/api/v1/declarations"): STAFF,
    ("POST", "/api/v1/declarations/{declaration_id}/withdraw"): STAFF,
    ("GET", "/me/declarations"): {"subject"}, ("POST", "/me/declarations"): {"subject"},
    ("POST", "/me/declarations/{declaration_id}/withdraw"): {"subject"},
    ("GET", "/staff/declarations"): STAFF,
    ("POST", "/staff/declarations/{declaration_id}/withdraw"): STAFF,
}
