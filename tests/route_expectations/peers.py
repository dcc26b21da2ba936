"""Who may call the peer-platform routes (QZ art. 6, FZ art. 7): the organisations' entries and
the peers are public; natural persons' entries go to a recognised peer's signed request only
(no account of any role reaches them)."""
from tests.route_expectations import PUBLIC

EXPECTED = {
    ("GET", "/api/v1/peers/list-entries"): PUBLIC,
    ("GET", "/api/v1/peers"): PUBLIC,
    ("GET", "/api/v1/peers/person-entries"): {"peer"},
    ("GET", "/staff/peers"): {"staff", "admin"},
}
