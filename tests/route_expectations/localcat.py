"""The local supplementary catalogue (issue 15 point 1): the credit department only."""
STAFF = {"staff", "admin"}
EXPECTED = {
    ("GET", "/admin/local-catalogue"): STAFF, ("POST", "/admin/local-catalogue"): STAFF,
    ("POST", "/admin/local-catalogue/{code}"): STAFF, ("POST", "/admin/local-catalogue/{code}/withdraw"): STAFF,
    ("GET", "/api/v1/local-catalogue"): STAFF, ("POST", "/api/v1/local-catalogue"): STAFF,
    ("POST", "/api/v1/local-catalogue/{code}"): STAFF, ("POST", "/api/v1/local-catalogue/{code}/withdraw"): STAFF,
    ("GET", "/api/v1/local-catalogue/{code}/versions"): STAFF,
}
