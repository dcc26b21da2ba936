"""Batch templates (issue 13 point 6): anyone downloads an ingestible item's template; the
example batches in an agency's own name are for those who send batches."""
from tests.route_expectations import PUBLIC, SENDERS

EXPECTED = {
    ("GET", "/catalogue/{code}/template.csv"): PUBLIC, ("GET", "/catalogue/{code}/template.xlsx"): PUBLIC,
    ("GET", "/api/v1/catalogue/{code}/template"): PUBLIC,
    ("GET", "/batches/examples/{code}.csv"): SENDERS, ("GET", "/batches/examples/{code}.xlsx"): SENDERS,
}
