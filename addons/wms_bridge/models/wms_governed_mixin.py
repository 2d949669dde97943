"""Protected fields: changed only by the bridge's own methods, whoever calls.

Every caller is an RPC caller, and an RPC caller sets any context it likes: a
context *key* is no permission.  The bridge's own methods prove themselves with a
module-level sentinel *object* put in the context, checked by identity, which
JSON-RPC and XML-RPC cannot produce (the pattern of OCA queue_job's
``EDIT_SENTINEL`` on ``queue.job``).  The sentinel never leaves the server: queue_job
keeps only a few named context keys when it stores a job, and jobs enter the
governed mode themselves.

A model inheriting :class:`WmsGovernedMixin` declares

* :meth:`_wms_protected_fields`: written only in governed mode (its own methods);
* :meth:`_wms_immutable_fields`: set when the record is created, never written
  again, even in governed mode (reported quantities, references);
* ``_wms_governed_create``: records are created in governed mode only.

Refusals are :class:`~odoo.exceptions.AccessError` naming the fields, for every
user, administrators included: these fields are the audit trail of what was
exchanged and decided.
"""

from odoo import api, models
from odoo.exceptions import AccessError

_GOVERNED = object()
GOVERNED_KEY = "wms_bridge_governed"


def is_governed(env):
    """True in an environment entered through :func:`governed`."""
    return env.context.get(GOVERNED_KEY) is _GOVERNED


def governed(records):
    """``records`` in governed mode: for the bridge's own methods only, after they
    checked who calls them."""
    return records.with_context(**{GOVERNED_KEY: _GOVERNED})


def create_governed(model, vals_list):
    """``model.create(vals_list)`` in governed mode, the new records returned in
    ``model``'s own environment (the governed mode does not travel with them)."""
    return governed(model).create(vals_list).with_env(model.env)


class WmsGovernedMixin(models.AbstractModel):
    _name = "wms.governed.mixin"
    _description = "Fields changed only by the WMS bridge's own methods"

    _wms_governed_create = False

    def _wms_protected_fields(self):
        """Fields written only through the model's governed methods."""
        return frozenset()

    def _wms_immutable_fields(self):
        """Fields set at creation and never written again."""
        return frozenset()

    def _wms_governed(self):
        return governed(self)

    def _wms_is_governed(self):
        return is_governed(self.env)

    def _wms_check_action(self, action, group_xmlids, operation="write"):
        """Refuse ``action`` unless the user is in one of ``group_xmlids`` and may
        ``operation`` every record of self (access rights and company rules).

        The superuser passes: only server code reaches it (after a ``sudo()`` with
        its reason, or as a queue job), never an RPC caller."""
        if self.env.su:
            return
        user = self.env.user
        if not any(user.has_group(xmlid) for xmlid in group_xmlids):
            # sudo: the groups' names, for the message only
            groups = ", ".join(self.env.ref(xmlid).sudo().full_name for xmlid in group_xmlids)
            raise AccessError(
                self.env._("%(action)s is reserved to: %(groups)s.", action=action, groups=groups)
            )
        self.check_access(operation)

    def _wms_field_labels(self, field_names):
        labels = (self._fields[name]._description_string(self.env) for name in field_names)
        return ", ".join(sorted(labels))

    def _wms_check_create(self, vals_list):
        """Refuse a creation outside governed mode, or one setting protected fields."""
        if self._wms_is_governed():
            return
        if self._wms_governed_create:
            raise AccessError(
                self.env._(
                    "%(model)s records are created by the WMS bridge itself, from the "
                    "documents it sends and receives.",
                    model=self._description,
                )
            )
        touched = self._wms_protected_fields() & {name for vals in vals_list for name in vals}
        if touched:
            raise AccessError(
                self.env._(
                    "%(model)s: %(fields)s are set by the WMS bridge's own actions only.",
                    model=self._description,
                    fields=self._wms_field_labels(touched),
                )
            )

    def _wms_check_write(self, vals):
        """Refuse writing immutable fields (always) and protected fields (outside
        governed mode)."""
        if not self:
            return
        immutable = self._wms_immutable_fields() & set(vals)
        if immutable:
            raise AccessError(
                self.env._(
                    "%(model)s: %(fields)s are kept as they were received and cannot be changed.",
                    model=self._description,
                    fields=self._wms_field_labels(immutable),
                )
            )
        if self._wms_is_governed():
            return
        touched = self._wms_protected_fields() & set(vals)
        if touched:
            raise AccessError(
                self.env._(
                    "%(model)s: %(fields)s change through the WMS bridge's own actions "
                    "only (Retry, Reprocess, Cancel, Apply Differences, Dismiss...).",
                    model=self._description,
                    fields=self._wms_field_labels(touched),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._wms_check_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._wms_check_write(vals)
        return super().write(vals)
