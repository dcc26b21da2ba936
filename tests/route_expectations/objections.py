"""Who may call the objection routes (FZ art. 25, QZ art. 34): the subject files and follows its
own; the service window (staff) files on a subject's behalf and sees all; the source agency
verifies and decides — a public body, or a market information provider for its market records
(QZ art. 34 para. 2), or a judicial organ for the records it is the source of (QZ art. 34 para. 1:
state organs are public bodies). Rows not one's own answer 404 (checked in tests/objections)."""
SOURCES = {"agency", "judicial", "credit_service", "financial", "association", "enterprise"}
EXPECTED = {
    ("GET", "/api/v1/me/objections"): {"subject"}, ("POST", "/api/v1/me/objections"): {"subject"},
    ("POST", "/api/v1/objections"): {"staff"},
    ("GET", "/api/v1/objections"): SOURCES | {"staff"},
    ("GET", "/api/v1/objections/{objection_id}"): SOURCES | {"subject", "staff"},
    ("GET", "/api/v1/objections/{objection_id}/correctable-fields"): SOURCES,
    ("POST", "/api/v1/objections/{objection_id}/decision"): SOURCES,
    ("POST", "/api/v1/objections/{objection_id}/extension"): SOURCES,
    ("GET", "/api/v1/objections/{objection_id}/evidence/{evidence_id}"): SOURCES | {"subject", "staff"},
    ("GET", "/me/objections"): {"subject"}, ("POST", "/me/objections"): {"subject"},
    ("GET", "/me/objections/{objection_id}"): {"subject"},
    ("GET", "/agency/objections"): SOURCES, ("GET", "/agency/objections/{objection_id}"): SOURCES,
    ("POST", "/agency/objections/{objection_id}/decision"): SOURCES,
    ("GET", "/staff/objections"): {"staff"}, ("GET", "/staff/objections/{objection_id}"): {"staff"},
    ("GET", "/window/objections"): {"staff"}, ("POST", "/window/objections"): {"staff"},
    ("POST", "/window/objections/lookup"): {"staff"},
    # QZ art. 20: the written notice of rights, to the subject of the record only
    ("GET", "/me/notices/{record_id}"): {"subject"},
    ("GET", "/api/v1/me/records/{record_id}/rights-notice"): {"subject"},
}
