from odoo import models
from odoo.addons.wms_bridge.models.wms_governed_mixin import governed
from odoo.exceptions import AccessError

from ..models.tier_review import RECONCILIATION


class CommentWizard(models.TransientModel):
    """Validating or rejecting with a comment (tier definitions asking for one):
    the wizard's reviews are whatever its creator put in it, so they are checked
    like a click on Validate or Reject before anything is written."""

    _inherit = "comment.wizard"

    def add_comment(self):
        self.ensure_one()
        if self.res_model != RECONCILIATION:
            return super().add_comment()
        reconciliation = self.env[RECONCILIATION].browse(self.res_id).exists()
        reviews = self.review_ids
        if not reconciliation or not reviews:
            raise AccessError(
                self.env._(
                    "This comment is not attached to a pending validation of a 3PL stock "
                    "reconciliation."
                )
            )
        reconciliation._wms_check_reviewer(
            self.env._("Comment"), reviews=reviews, approving=self.validate_reject == "validate"
        )
        return super(CommentWizard, governed(self)).add_comment()
