from tests.route_expectations import PUBLIC

CREDIT_DEPT = {"staff", "admin"}
EXPECTED = {
    ("GET", "/api/v1/measure-lists"): PUBLIC,
    ("GET", "/api/v1/measure-lists/{list_id}"): PUBLIC,
    ("POST", "/api/v1/measure-lists/{list_id}/publish"): CREDIT_DEPT,
    ("POST", "/api/v1/measure-lists/{list_id}/withdraw"): CREDIT_DEPT,
    ("POST", "/api/v1/joint-check"): {"agency", "staff"},
    ("POST", "/api/v1/measure-applications"): {"agency"},
    ("POST", "/api/v1/measure-applications/{application_id}/feedback"): {"agency"},
    ("GET", "/api/v1/measure-applications"): {"agency", "staff", "admin"},
    ("GET", "/api/v1/me/measures"): {"subject"},
    ("GET", "/measures"): PUBLIC,
    ("GET", "/admin/measures"): CREDIT_DEPT,
    ("POST", "/admin/measures/{list_id}/publish"): CREDIT_DEPT,
    ("POST", "/admin/measures/sync"): CREDIT_DEPT,
    ("GET", "/agency/joint-check"): {"agency", "staff"},
    ("POST", "/agency/joint-check"): {"agency", "staff"},
    ("POST", "/agency/measure-applications"): {"agency"},
    ("GET", "/agency/measure-applications"): {"agency"},
    ("POST", "/agency/measure-applications/{application_id}/feedback"): {"agency"},
    ("GET", "/me/measures"): {"subject"},
}
