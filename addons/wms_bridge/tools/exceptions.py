"""Failure kinds of an exchange: they decide between a retry and a parked record."""

from odoo.exceptions import UserError


class TransientTransportError(Exception):
    """The far end did not answer well this time (timeout, connection, HTTP 5xx/429,
    disk full): the exchange is retried with exponential backoff."""


class PermanentTransportError(Exception):
    """The far end refused the document (HTTP 4xx, unusable configuration): retrying
    cannot help, the exchange is parked for a person."""


class WmsMappingError(UserError):
    """The document cannot be mapped to or from Odoo records (unknown product or
    transfer, quantity above what was ordered): the exchange is parked."""
