"""Procedures core: deadlines, documents, notifications, the working-day calendar."""
from __future__ import annotations

from tests.route_expectations import HANDLERS, PUBLIC, SIGNED_IN

STAFF = {"staff", "admin"}
QUEUE = STAFF | HANDLERS

EXPECTED = {
    # deadlines: credit-department staff see all, an organisation its own
    ("GET", "/api/v1/deadlines"): QUEUE,
    ("GET", "/api/v1/deadlines/{deadline_id}"): QUEUE,
    ("POST", "/api/v1/deadlines/{deadline_id}/extend"): QUEUE,
    ("GET", "/staff/deadlines"): STAFF,
    ("POST", "/staff/deadlines/{deadline_id}/extend"): STAFF,
    ("GET", "/agency/deadlines"): HANDLERS,
    ("POST", "/agency/deadlines/{deadline_id}/extend"): HANDLERS,
    # documents: any signed-in user may ask; only addressees and staff get the row (404 otherwise)
    ("GET", "/api/v1/documents/{document_id}"): SIGNED_IN,
    ("GET", "/api/v1/documents/{document_id}/sm2"): SIGNED_IN,
    ("GET", "/api/v1/documents/{document_id}/ses"): SIGNED_IN,
    ("GET", "/api/v1/me/documents"): SIGNED_IN,
    ("GET", "/documents/{document_id}"): SIGNED_IN,
    ("GET", "/me/documents"): {"subject"},
    ("GET", "/agency/documents"): HANDLERS,
    # notifications
    ("GET", "/api/v1/me/notifications"): SIGNED_IN,
    ("POST", "/api/v1/me/notifications/{notification_id}/read"): SIGNED_IN,
    ("GET", "/me/notifications"): SIGNED_IN,
    ("POST", "/me/notifications/{notification_id}/read"): SIGNED_IN,
    ("POST", "/me/notifications/read-all"): SIGNED_IN,
    # the working-day calendar
    ("GET", "/api/v1/calendar/{year}"): PUBLIC,
    ("POST", "/api/v1/calendar"): STAFF,
    ("GET", "/calendar"): PUBLIC,
    ("GET", "/calendar/{year}"): PUBLIC,
    ("GET", "/staff/calendar"): STAFF,
    ("POST", "/staff/calendar"): STAFF,
}
