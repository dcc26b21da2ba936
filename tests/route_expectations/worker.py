"""The worker's status page (issue 16 point 1): the credit department and administrators."""
EXPECTED = {("GET", "/staff/worker"): {"staff", "admin"}}
