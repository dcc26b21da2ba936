"""Who may call the register of credit service agencies (QZ art. 40-42): anyone reads the public
register; the credit department (staff, admin) keeps it."""
from tests.route_expectations import PUBLIC

KEEPERS = {"staff", "admin"}
EXPECTED = {
    ("GET", "/api/v1/credit-services"): PUBLIC,
    ("GET", "/api/v1/credit-services/{credit_service_id}"): PUBLIC,
    ("GET", "/credit-services"): PUBLIC,
    ("GET", "/credit-services/{credit_service_id}"): PUBLIC,
    ("GET", "/api/v1/staff/credit-services"): KEEPERS,
    ("GET", "/api/v1/staff/credit-services/{credit_service_id}"): KEEPERS,
    ("POST", "/api/v1/credit-services"): KEEPERS,
    ("POST", "/api/v1/credit-services/{credit_service_id}"): KEEPERS,
    ("POST", "/api/v1/credit-services/{credit_service_id}/cancel"): KEEPERS,
    ("POST", "/api/v1/credit-services/{credit_service_id}/rules"): KEEPERS,
    ("POST", "/api/v1/credit-services/{credit_service_id}/rules/{rule_id}/withdraw"): KEEPERS,
    ("POST", "/api/v1/credit-services/{credit_service_id}/supervisions"): KEEPERS,
    ("POST", "/api/v1/credit-services/{credit_service_id}/supervisions/{supervision_id}/rectification"): KEEPERS,
    ("GET", "/staff/credit-services"): KEEPERS,
    ("POST", "/staff/credit-services"): KEEPERS,
    ("GET", "/staff/credit-services/{credit_service_id}"): KEEPERS,
    ("POST", "/staff/credit-services/{credit_service_id}"): KEEPERS,
    ("POST", "/staff/credit-services/{credit_service_id}/cancel"): KEEPERS,
    ("POST", "/staff/credit-services/{credit_service_id}/rules"): KEEPERS,
    ("POST", "/staff/credit-services/{credit_service_id}/rules/{rule_id}/withdraw"): KEEPERS,
    ("POST", "/staff/credit-services/{credit_service_id}/supervisions"): KEEPERS,
    ("POST", "/staff/credit-services/{credit_service_id}/supervisions/{supervision_id}/rectification"): KEEPERS,
}
