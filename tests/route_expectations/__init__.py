"""Role sets for the route matrix, and each domain's expected audiences, one module per domain
(``tests/route_expectations/<domain>.py`` exposing ``EXPECTED``), written out by hand."""
from __future__ import annotations

import importlib
import pkgutil

PUBLIC = {"anonymous", "admin", "staff", "agency", "judicial", "credit_service", "financial", "association", "enterprise",
          "auditor", "supervisor", "subject", "agency_admin", "registrant"}
# "authenticated" routes: every signed-in account except one whose identity is not proved yet
SIGNED_IN = PUBLIC - {"anonymous", "registrant"}
SENDERS = {"agency", "staff", "admin"}
# every organisation may ask the query gate (QZ art. 33, FZ art. 13: the gate wants a basis), the
# enterprises and institutions too (QZ art. 28 para. 2)
QUERIERS = {"agency", "judicial", "credit_service", "financial", "association", "enterprise", "staff"}
AUDIT = {"auditor", "admin"}
# the receiving systems of the change feed (FZ art. 7-8): not the enterprises
ORGS = {"agency", "judicial", "credit_service", "financial", "association"}
# organisations that handle procedures on their own records: ORGS, and the enterprises and
# institutions that provide market credit information (QZ art. 12)
HANDLERS = ORGS | {"enterprise"}


def domain_expectations() -> dict[tuple[str, str], set[str]]:
    merged: dict[tuple[str, str], set[str]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        overlap = set(merged) & set(module.EXPECTED)
        assert not overlap, f"{info.name}: routes listed twice: {overlap}"
        merged.update(module.EXPECTED)
    return merged
