"""Sharing upward (issue 15 point 4): the credit department's page only."""
EXPECTED = {("GET", "/staff/upstream"): {"staff", "admin"}}
