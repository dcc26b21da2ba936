"""Market credit information (QZ art. 12, 34 para. 2; FZ art. 8, 10): anyone reads the approved
providers' published objection channels and a subject's market information in view; a subject
grants and revokes its written authorisations; an organisation's staff apply and, once approved,
send batches and withdraw; the credit department approves providers."""
from tests.route_expectations import PUBLIC

PROVIDERS = {"credit_service", "financial", "association", "enterprise"}
STAFF = {"staff", "admin"}
EXPECTED = {
    ("GET", "/api/v1/market/providers/published"): PUBLIC, ("GET", "/api/v1/subjects/{subject_id}/market"): PUBLIC,
    ("GET", "/market/providers"): PUBLIC,
    ("GET", "/api/v1/me/market"): {"subject"}, ("GET", "/api/v1/me/market/authorisations"): {"subject"},
    ("POST", "/api/v1/me/market/authorisations"): {"subject"},
    ("POST", "/api/v1/me/market/authorisations/{auth_id}/revoke"): {"subject"},
    ("GET", "/me/market"): {"subject"}, ("POST", "/me/market/authorisations"): {"subject"},
    ("POST", "/me/market/authorisations/{auth_id}/revoke"): {"subject"},
    ("GET", "/api/v1/market/provider"): PROVIDERS, ("POST", "/api/v1/market/provider"): PROVIDERS,
    ("POST", "/api/v1/market/provider/channel"): PROVIDERS, ("POST", "/api/v1/market/provider/withdraw"): PROVIDERS,
    ("POST", "/api/v1/market/batches"): PROVIDERS, ("POST", "/api/v1/market/batches/file"): PROVIDERS,
    ("GET", "/api/v1/market/batches/{batch_id}"): PROVIDERS,
    ("GET", "/api/v1/market/batches/{batch_id}/rejections"): PROVIDERS,
    ("GET", "/api/v1/market/records"): PROVIDERS, ("POST", "/api/v1/market/records/{record_id}/withdraw"): PROVIDERS,
    ("GET", "/provider/market"): PROVIDERS, ("POST", "/provider/market/apply"): PROVIDERS,
    ("POST", "/provider/market/channel"): PROVIDERS, ("POST", "/provider/market/batches"): PROVIDERS,
    ("POST", "/provider/market/records/{record_id}/withdraw"): PROVIDERS,
    ("POST", "/provider/market/withdraw"): PROVIDERS,
    ("GET", "/api/v1/market/providers"): STAFF, ("POST", "/api/v1/market/providers/{provider_id}/decision"): STAFF,
    ("GET", "/staff/market/providers"): STAFF, ("POST", "/staff/market/providers/{provider_id}/decision"): STAFF,
}
