"""The credit department's dashboards (issue 5 point 7)."""
EXPECTED = {
    ("GET", "/dashboards"): {"staff", "admin"},
    ("GET", "/api/v1/dashboards/summary"): {"staff", "admin"},
}
