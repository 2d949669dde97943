from odoo import api, fields, models
from odoo.exceptions import UserError

EVENTS = [
    ("request", "Approval requested"),
    ("approve", "Approved"),
    ("reject", "Rejected"),
    ("restart", "Restarted"),
    ("release", "Released after approval"),
    ("apply", "Applied"),
    ("delegate", "Delegation"),
    ("escalate", "Escalation"),
    ("activate", "Rule activated"),
]


class DistributionApprovalLog(models.Model):
    """Every step of every approval flow: who, when, what, why, on whose behalf.

    Append-only: no one edits or deletes an entry, administrators included; entries
    are written by the flows with :meth:`_record`."""

    _name = "distribution.approval.log"
    _description = "Approval Log"
    _order = "id desc"

    event = fields.Selection(EVENTS, required=True, readonly=True, index=True)
    res_model = fields.Char(string="Document Model", required=True, readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Document", model_field="res_model", required=True, readonly=True, index=True
    )
    document_name = fields.Char(string="Document", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    tier_sequence = fields.Integer(string="Tier", readonly=True)
    definition_id = fields.Many2one("tier.definition", string="Tier Definition", readonly=True)
    user_id = fields.Many2one("res.users", string="By", required=True, readonly=True)
    on_behalf_of_id = fields.Many2one(
        "res.users", readonly=True, help="The reviewer who delegated."
    )
    reason = fields.Text(readonly=True)

    @api.model
    def _record(self, entries):
        """Write entries: dicts with event, record (one document), and optionally
        review (a tier.review), reason, on_behalf_of (user id), user (user id)."""
        vals_list = []
        for entry in entries:
            record = entry["record"]
            review = entry.get("review")
            company = record._fields.get("company_id") and record.company_id
            vals_list.append(
                {
                    "event": entry["event"],
                    "res_model": record._name,
                    "res_id": record.id,
                    "document_name": record.display_name,
                    "company_id": company.id if company else False,
                    "tier_sequence": review.sequence if review else False,
                    "definition_id": review.definition_id.id if review else False,
                    "user_id": entry.get("user") or self.env.user.id,
                    "on_behalf_of_id": entry.get("on_behalf_of") or False,
                    "reason": entry.get("reason") or False,
                }
            )
        # sudo: the log is written by the flows for whoever acts; nobody writes it directly
        return self.sudo().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("The approval log cannot be changed."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The approval log cannot be deleted."))
