"""Who may call the credit-report routes (QZ art. 10-11, 33; FZ art. 13, 24)."""
from tests.route_expectations import HANDLERS, PUBLIC, SIGNED_IN

# any organisation asks, on the subject's written authorisation (QZ art. 11, 28 para. 2, 33)
SPECIAL = HANDLERS

EXPECTED = {
    ("GET", "/api/v1/reports/fields"): PUBLIC,
    ("GET", "/api/v1/reports/certificate"): PUBLIC,
    ("GET", "/api/v1/reports/certificate-sm2"): PUBLIC,
    ("GET", "/api/v1/reports/certificate-sm2/x509"): PUBLIC,
    ("GET", "/api/v1/reports/eseal"): PUBLIC,
    ("POST", "/api/v1/me/reports"): {"subject"},
    ("POST", "/api/v1/reports/special"): SPECIAL,
    ("POST", "/api/v1/reports/public/{subject_id}"): PUBLIC,
    ("GET", "/api/v1/reports"): SIGNED_IN,
    ("GET", "/api/v1/reports/{report_id}"): SIGNED_IN,
    ("GET", "/api/v1/reports/{report_id}/pdf"): SIGNED_IN,
    ("GET", "/api/v1/reports/verify/{code}"): PUBLIC,
    ("POST", "/api/v1/reports/verify"): PUBLIC,
    ("GET", "/api/v1/reports/verify/{code}/sm2"): PUBLIC,
    ("GET", "/api/v1/reports/verify/{code}/ses"): PUBLIC,
    ("GET", "/me/reports"): {"subject"}, ("POST", "/me/reports"): {"subject"},
    ("GET", "/reports/issued"): SIGNED_IN,
    ("GET", "/reports/issued/{report_id}"): SIGNED_IN,
    ("GET", "/reports/issued/{report_id}/pdf"): SIGNED_IN,
    ("GET", "/reports/special"): SPECIAL, ("POST", "/reports/special"): SPECIAL,
    ("GET", "/reports/public/{subject_id}"): PUBLIC, ("POST", "/reports/public/{subject_id}"): PUBLIC,
    ("GET", "/reports/certificate"): PUBLIC,
    ("GET", "/verify"): PUBLIC, ("GET", "/verify/{code}"): PUBLIC, ("POST", "/verify"): PUBLIC,
    ("GET", "/reports/certificate-sm2"): PUBLIC,
    ("GET", "/reports/certificate-sm2/x509"): PUBLIC,
    ("GET", "/reports/eseal"): PUBLIC,
    ("GET", "/reports/eseal.png"): PUBLIC,
}
