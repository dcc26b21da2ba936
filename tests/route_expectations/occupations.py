"""Who may call the key occupational groups' routes (QZ art. 30 para. 2): a public body's agency
account reads (its own group only, checked in the service); the credit department names them."""
EXPECTED = {
    ("GET", "/api/v1/sector/records"): {"agency"},
    ("GET", "/sector/records"): {"agency"},
    ("GET", "/api/v1/sector-authorities"): {"staff", "admin"},
    ("POST", "/api/v1/sector-authorities"): {"staff", "admin"},
    ("POST", "/api/v1/sector-authorities/{authority_id}/withdraw"): {"staff", "admin"},
    ("GET", "/staff/sector-authorities"): {"staff", "admin"},
    ("POST", "/staff/sector-authorities"): {"staff", "admin"},
    ("POST", "/staff/sector-authorities/{authority_id}/withdraw"): {"staff", "admin"},
}
