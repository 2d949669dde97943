from odoo import models
from odoo.exceptions import AccessError

from ..models.governance import governed


class CommentWizard(models.TransientModel):
    """Validating or rejecting with a comment: the wizard's reviews are whatever its
    creator put in it, so they are checked like a click on Validate or Reject
    before anything is written."""

    _inherit = "comment.wizard"

    def add_comment(self):
        self.ensure_one()
        if not self.env["tier.review"]._approval_governed_model(self.res_model):
            return super().add_comment()
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record or not self.review_ids:
            raise AccessError(
                self.env._("This comment is not attached to a pending approval of a document.")
            )
        action = (
            self.env._("Validate") if self.validate_reject == "validate" else self.env._("Reject")
        )
        record._approval_check_reviewer(action, reviews=self.review_ids)
        return super(CommentWizard, governed(self)).add_comment()
