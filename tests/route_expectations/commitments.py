from tests.route_expectations import PUBLIC

EXPECTED = {
    ("GET", "/api/v1/commitment-types"): PUBLIC,
    ("GET", "/api/v1/commitments"): PUBLIC,
    ("GET", "/api/v1/agency/commitments"): {"agency"},
    ("POST", "/api/v1/commitments"): {"agency"},
    ("POST", "/api/v1/commitments/{commitment_id}/fulfil"): {"agency"},
    ("POST", "/api/v1/commitments/{commitment_id}/breach"): {"agency"},
    ("POST", "/api/v1/accept-first"): {"agency", "staff"},
    ("GET", "/commitments"): PUBLIC,
    ("GET", "/agency/commitments"): {"agency"},
    ("POST", "/agency/commitments"): {"agency"},
    ("POST", "/agency/commitments/{commitment_id}/fulfil"): {"agency"},
    ("POST", "/agency/commitments/{commitment_id}/breach"): {"agency"},
    ("GET", "/agency/accept-first"): {"agency", "staff"},
    ("POST", "/agency/accept-first"): {"agency", "staff"},
}
