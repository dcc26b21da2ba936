"""Who may call the peer-platform routes (QZ art. 6, FZ art. 7): both are public."""
from tests.route_expectations import PUBLIC

EXPECTED = {
    ("GET", "/api/v1/peers/list-entries"): PUBLIC,
    ("GET", "/api/v1/peers"): PUBLIC,
}
