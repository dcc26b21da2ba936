"""The public transparency log (issue 12): signed tree heads, keys and proofs are for anyone
(a journalist, a court, a subject), like report verification."""
from tests.route_expectations import PUBLIC

EXPECTED = {
    ("GET", "/api/v1/transparency/sth/latest"): PUBLIC, ("GET", "/api/v1/transparency/sth/{size}"): PUBLIC,
    ("GET", "/api/v1/transparency/keys"): PUBLIC,
    ("GET", "/api/v1/transparency/proof/inclusion"): PUBLIC,
    ("GET", "/api/v1/transparency/proof/consistency"): PUBLIC,
    ("GET", "/api/v1/transparency/leaf-hashes"): PUBLIC,
    ("GET", "/api/v1/transparency/reports/{code}"): PUBLIC,
    ("GET", "/api/v1/transparency/records/{record_id}"): PUBLIC,
    ("GET", "/transparency"): PUBLIC, ("GET", "/transparency/verify_log.py"): PUBLIC,
}
