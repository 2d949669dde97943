from odoo import models
from odoo.exceptions import AccessError

from .wms_governed_mixin import is_governed


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _wms_payloads(self):
        """The attachments of self that hold an EDI exchange's payload (as superuser:
        for the check and its message only)."""
        # sudo: only the attachments' links and names are read, to know whether they
        # are payloads; nothing is returned to the caller but the refusal
        linked = self.sudo().filtered(
            lambda att: att.res_model in ("wms.exchange", "edi.exchange.record")
        )
        if not linked:
            return linked
        exchanges = linked.env["wms.exchange"].search([("attachment_id", "in", linked.ids)])
        return exchanges.attachment_id

    def _wms_check_payloads(self):
        """A payload is what was exchanged: it changes or goes only with its
        exchange, through the bridge's own methods."""
        if is_governed(self.env) or not self:
            return
        payloads = self._wms_payloads()
        if payloads:
            raise AccessError(
                self.env._(
                    "%(names)s: the payload of an EDI exchange cannot be changed or deleted.",
                    names=", ".join(payloads.mapped("name")),
                )
            )

    def write(self, vals):
        self._wms_check_payloads()
        return super().write(vals)

    def unlink(self):
        self._wms_check_payloads()
        return super().unlink()
