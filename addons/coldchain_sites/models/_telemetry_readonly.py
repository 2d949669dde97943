"""Shared guard of the read-only telemetry models (rows written by the ingestion service)."""

from odoo import api, models
from odoo.exceptions import AccessError


class ColdchainTelemetryReadonly(models.AbstractModel):
    _name = "coldchain.telemetry.readonly"
    _description = "Read-only telemetry rows"

    def _raise_readonly(self):
        raise AccessError(
            self.env._(
                "%(model)s rows are written by the ingestion service only and can be "
                "neither created, changed nor deleted in Odoo.",
                model=self._description,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._raise_readonly()
        return super().create(vals_list)

    def write(self, vals):
        self._raise_readonly()
        return super().write(vals)

    def unlink(self):
        self._raise_readonly()
        return super().unlink()
