from odoo import api, models
from odoo.exceptions import UserError

# Timelines that are evidence: every message of an excursion or a rule version,
# and the system messages and tracked changes of a lot (hold, disposition).
EVIDENCE_MODELS = ("coldchain.excursion", "coldchain.excursion.rule")
CONTENT_FIELDS = frozenset(
    {
        "body",
        "subject",
        "tracking_value_ids",
        "author_id",
        "author_guest_id",
        "email_from",
        "date",
        "message_type",
        "subtype_id",
        "model",
        "res_id",
    }
)


class MailMessage(models.Model):
    """Cold-chain timelines are append-only: people post new messages, nobody edits
    or deletes what was recorded (an author may otherwise rewrite their own message
    over RPC).  Server code running as superuser (mail's own bookkeeping) is not
    concerned; no user, administrators included, gets around it over RPC."""

    _inherit = "mail.message"

    def _coldchain_evidence(self):
        return self.sudo().filtered(
            lambda message: (
                message.model in EVIDENCE_MODELS
                or (
                    message.model == "stock.lot"
                    and (message.message_type != "comment" or message.tracking_value_ids)
                )
            )
        )

    def write(self, vals):
        if not self.env.su and CONTENT_FIELDS.intersection(vals) and self._coldchain_evidence():
            raise UserError(
                self.env._(
                    "This message is part of a cold-chain audit trail: post a new message "
                    "instead of changing it."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_coldchain_evidence(self):
        if not self.env.su and self._coldchain_evidence():
            raise UserError(
                self.env._("This message is part of a cold-chain audit trail: it stays.")
            )
