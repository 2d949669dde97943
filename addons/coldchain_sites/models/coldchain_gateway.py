import configparser
import logging
import os
import re

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import config

from ..engine import telemetry_auth
from .governance import governed_action

_logger = logging.getLogger(__name__)

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MANAGER_GROUP = "coldchain_sites.group_coldchain_manager"
DEFAULT_SERVICE_USER = "coldchain-ingest"
# The broker credential's fields are written only by the governed methods below,
# which prove themselves with this object in the context: JSON/XML-RPC cannot
# produce it (OCA queue_job's EDIT_SENTINEL pattern).  They are an audit trail:
# refused to every user, administrators included.
_CREDENTIAL_GOVERNED = object()
_CREDENTIAL_CONTEXT = "coldchain_sites_broker_credential"
CREDENTIAL_FIELDS = frozenset(
    {
        "mqtt_credential_state",
        "mqtt_credential_issued_at",
        "mqtt_credential_issued_by_id",
        "mqtt_credential_revoked_at",
        "mqtt_credential_revoked_by_id",
    }
)


class ColdchainGateway(models.Model):
    """A site gateway: publishes its sensors' telemetry under its own topic segment.

    ``code`` is both the ``<gateway>`` segment of its MQTT topics and its broker
    username (the broker ACL confines each username to its own segment).  ``state``
    and ``last_seen`` are maintained by the ingestion service (heartbeats, last
    will, telemetry, silence sweep); ``retired`` is set here and is final for the
    service, which rejects a retired gateway's messages.

    Broker credential: a coldchain administrator issues a generated password
    (:meth:`action_issue_mqtt_credential`: shown once in a dialog, never stored; only
    its Mosquitto hash is kept, in the column ``mqtt_password_hash``, which is no ORM
    field, so no RPC call can read or write it) and revokes it
    (:meth:`action_revoke_mqtt_credential`).  :meth:`action_sync_broker_credentials`
    writes the broker's password and ACL files from the registry (each gateway may
    publish only under ``sites/<its site>/gateways/<its id>/``) into
    ``[coldchain_sites] mqtt_auth_dir`` and reloads a local broker (SIGHUP to the pid
    in ``mqtt_broker_pid_file``); issuing and revoking run it when the directory is
    configured.
    """

    _name = "coldchain.gateway"
    _description = "Cold-chain gateway"
    _inherit = ["mail.thread"]
    _order = "warehouse_id, code"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        string="Topic id",
        required=True,
        tracking=True,
        help="Gateway segment of the MQTT topics and broker username; letters, digits, "
        "'_', '-', '.'.",
    )
    serial = fields.Char(string="Serial number", tracking=True)
    firmware = fields.Char(tracking=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse", string="Site", required=True, ondelete="restrict", tracking=True
    )
    site_code = fields.Char(related="warehouse_id.code", string="Site topic id")
    company_id = fields.Many2one(
        related="warehouse_id.company_id", store=True, index=True, precompute=True
    )
    heartbeat_interval = fields.Integer(
        string="Heartbeat interval (s)",
        default=60,
        help="The gateway reports at least this often; silent for this times the "
        "silence factor of the ingestion service, it is offline.",
    )
    last_seen = fields.Datetime(readonly=True, copy=False)
    state = fields.Selection(
        [("active", "Active"), ("offline", "Offline"), ("retired", "Retired")],
        default="active",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    mqtt_credential_state = fields.Selection(
        [("none", "None"), ("active", "Active"), ("revoked", "Revoked")],
        string="Broker access",
        default="none",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    mqtt_credential_issued_at = fields.Datetime(
        string="Broker password issued", readonly=True, copy=False
    )
    mqtt_credential_issued_by_id = fields.Many2one(
        "res.users", string="Issued by", readonly=True, copy=False
    )
    mqtt_credential_revoked_at = fields.Datetime(
        string="Broker access revoked", readonly=True, copy=False
    )
    mqtt_credential_revoked_by_id = fields.Many2one(
        "res.users", string="Revoked by", readonly=True, copy=False
    )
    sensor_ids = fields.One2many("coldchain.sensor", "gateway_id", string="Sensors")
    sensor_count = fields.Integer(compute="_compute_sensor_count")
    topic_prefix = fields.Char(compute="_compute_topic_prefix")

    _code_uniq = models.Constraint("UNIQUE (code)", "A gateway topic id must be unique.")

    @api.constrains("code")
    def _check_code(self):
        for gateway in self:
            if not CODE_PATTERN.match(gateway.code or ""):
                raise ValidationError(
                    self.env._(
                        "Gateway topic id %(code)s may only contain letters, digits, "
                        "'_', '-' and '.'.",
                        code=gateway.code,
                    )
                )

    @api.depends("sensor_ids")
    def _compute_sensor_count(self):
        counts = dict(
            self.env["coldchain.sensor"]._read_group(
                [("gateway_id", "in", self.ids)], ["gateway_id"], ["__count"]
            )
        )
        for gateway in self:
            gateway.sensor_count = counts.get(gateway, 0)

    @api.depends("code", "warehouse_id.code")
    def _compute_topic_prefix(self):
        for gateway in self:
            gateway.topic_prefix = f"sites/{gateway.warehouse_id.code}/gateways/{gateway.code}/"

    @governed_action(MANAGER_GROUP, rule="gateways the caller may write (company, site)")
    def action_retire(self):
        self.check_access("write")
        self.write({"state": "retired"})
        self.sensor_ids.write({"state": "retired"})

    @governed_action(MANAGER_GROUP, rule="gateways the caller may write (company, site)")
    def action_reactivate(self):
        self.check_access("write")
        self.write({"state": "active"})

    # ------------------------------------------------------- broker credential
    def init(self):
        # The hash lives outside the ORM: no field, so no read, search or write by RPC.
        self.env.cr.execute(
            "ALTER TABLE coldchain_gateway ADD COLUMN IF NOT EXISTS mqtt_password_hash varchar"
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_credential_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_credential_fields(vals)
        return super().write(vals)

    def _check_credential_fields(self, vals):
        protected = CREDENTIAL_FIELDS.intersection(vals)
        if protected and self.env.context.get(_CREDENTIAL_CONTEXT) is not _CREDENTIAL_GOVERNED:
            raise AccessError(
                self.env._(
                    "The broker credential of a gateway changes only through Issue broker "
                    "password and Revoke broker access (fields: %(fields)s).",
                    fields=", ".join(sorted(protected)),
                )
            )

    def _governed_credential(self):
        return self.with_context(**{_CREDENTIAL_CONTEXT: _CREDENTIAL_GOVERNED})

    def _check_broker_admin(self, action):
        """Issuing, revoking and syncing broker credentials: coldchain administrators
        only, on gateways they may write (checked here, whatever the view shows)."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("%(action)s is reserved to cold-chain administrators.", action=action)
            )
        if self:
            self.check_access("write")

    @governed_action(MANAGER_GROUP, rule="one gateway the caller may write; not retired")
    def action_issue_mqtt_credential(self):
        """Generate a new broker password for this gateway, keep only its hash, and
        show it once; the previous password, if any, stops working."""
        self.ensure_one()
        self._check_broker_admin(self.env._("Issuing a broker password"))
        if self.state == "retired":
            raise UserError(self.env._("A retired gateway gets no broker password."))
        password = telemetry_auth.generate_password()
        self._set_password_hash(telemetry_auth.hash_password(password))
        self._governed_credential().write(
            {
                "mqtt_credential_state": "active",
                "mqtt_credential_issued_at": fields.Datetime.now(),
                "mqtt_credential_issued_by_id": self.env.user.id,
                "mqtt_credential_revoked_at": False,
                "mqtt_credential_revoked_by_id": False,
            }
        )
        synced = self._sync_broker_files_if_configured()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Broker password of %(gateway)s", gateway=self.code),
            "res_model": "coldchain.gateway.credential.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_gateway_id": self.id,
                "default_password": password,
                "default_broker_synced": synced,
            },
        }

    @governed_action(MANAGER_GROUP, rule="gateways the caller may write")
    def action_revoke_mqtt_credential(self):
        """Forget the broker password of these gateways; with the broker files
        configured, the broker reloads them and disconnects the gateways."""
        self._check_broker_admin(self.env._("Revoking broker access"))
        active = self.filtered(lambda g: g.mqtt_credential_state == "active")
        if not active:
            raise UserError(self.env._("None of these gateways has broker access to revoke."))
        active._set_password_hash(None)
        active._governed_credential().write(
            {
                "mqtt_credential_state": "revoked",
                "mqtt_credential_revoked_at": fields.Datetime.now(),
                "mqtt_credential_revoked_by_id": self.env.user.id,
            }
        )
        synced = self._sync_broker_files_if_configured()
        return self._broker_notification(
            self.env._(
                "Broker access revoked: %(gateways)s.", gateways=", ".join(active.mapped("code"))
            ),
            synced,
        )

    @api.model
    @governed_action(MANAGER_GROUP)
    def action_sync_broker_credentials(self):
        """Write the broker's password and ACL files from the registry and reload a
        local broker (list view button; issuing and revoking run it too)."""
        self.browse()._check_broker_admin(self.env._("Syncing broker credentials"))
        settings = self._broker_settings()
        if not settings["auth_dir"]:
            raise UserError(
                self.env._(
                    "Set [coldchain_sites] mqtt_auth_dir in the Odoo configuration file to "
                    "the directory of the broker's password and ACL files."
                )
            )
        count = self._write_broker_files(settings)
        return self._broker_notification(
            self.env._("Broker files written: %(count)s gateway(s) allowed.", count=count), True
        )

    def _broker_notification(self, message, synced):
        if not synced:
            message = self.env._(
                "%(message)s The broker files are not configured on this server: run Sync "
                "broker credentials where they are.",
                message=message,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "success", "sticky": False},
        }

    def _set_password_hash(self, password_hash):
        self.env.cr.execute(
            "UPDATE coldchain_gateway SET mqtt_password_hash = %s WHERE id = ANY(%s)",
            [password_hash, self.ids],
        )

    @api.model
    def _broker_settings(self):
        """``[coldchain_sites]`` of the configuration file: ``mqtt_auth_dir``,
        ``mqtt_broker_pid_file``, ``mqtt_username`` (the ingestion service's user).
        Odoo 19 keeps only ``[options]`` in ``odoo.tools.config``: the section is read
        from the same file."""
        values = {}
        rcfile = config.rcfile if hasattr(config, "rcfile") else config.get("config")
        if rcfile and os.path.exists(rcfile):
            parser = configparser.RawConfigParser()
            parser.read([rcfile])
            if parser.has_section("coldchain_sites"):
                values = dict(parser.items("coldchain_sites"))

        def value(key):
            text = (values.get(key) or "").strip()
            return None if text.lower() in ("", "false", "none") else text

        return {
            "auth_dir": value("mqtt_auth_dir"),
            "pid_file": value("mqtt_broker_pid_file"),
            "service_user": value("mqtt_username") or DEFAULT_SERVICE_USER,
        }

    def _sync_broker_files_if_configured(self):
        settings = self._broker_settings()
        if not settings["auth_dir"]:
            return False
        self._write_broker_files(settings)
        return True

    @api.model
    def _write_broker_files(self, settings):
        """Password and ACL files for every gateway, of every company, with an active
        credential (retired ones left out), the service's user first; then reload a
        local broker if configured.  Returns the number of gateways written."""
        # One query over all companies: the broker serves every gateway, whoever
        # asks for the files (callers were checked as coldchain administrators).
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT g.code, w.code, g.mqtt_password_hash
              FROM coldchain_gateway g
              JOIN stock_warehouse w ON w.id = g.warehouse_id
             WHERE g.mqtt_credential_state = 'active' AND g.state != 'retired'
               AND g.mqtt_password_hash IS NOT NULL
             ORDER BY g.code
            """
        )
        gateways, skipped = [], []
        for code, site, password_hash in self.env.cr.fetchall():
            if CODE_PATTERN.match(site or ""):
                gateways.append(telemetry_auth.GatewayAccess(code, site, password_hash))
            else:
                skipped.append(code)
        if skipped:
            _logger.warning(
                "broker files: gateways %s left out, their site code is not a topic id",
                ", ".join(skipped),
            )
        service_user = settings["service_user"]
        try:
            service_hash = self._service_user_hash(settings, service_user)
            telemetry_auth.write_files(
                settings["auth_dir"],
                {
                    telemetry_auth.PASSWORD_FILE: telemetry_auth.render_password_file(
                        service_user, service_hash, gateways
                    ),
                    telemetry_auth.ACL_FILE: telemetry_auth.render_acl_file(service_user, gateways),
                },
            )
            if settings["pid_file"]:
                telemetry_auth.reload_broker(settings["pid_file"])
        except (telemetry_auth.AuthError, OSError) as error:
            raise UserError(
                self.env._("The broker files could not be updated: %(error)s", error=str(error))
            ) from error
        _logger.info(
            "broker files written to %s: %d gateway(s)%s",
            settings["auth_dir"],
            len(gateways),
            ", broker reloaded" if settings["pid_file"] else "",
        )
        return len(gateways)

    @api.model
    def _service_user_hash(self, settings, service_user):
        """The ingestion service's entry: hashed from COLDCHAIN_MQTT_PASSWORD when this
        process has it, else kept from the current password file."""
        password = os.environ.get("COLDCHAIN_MQTT_PASSWORD")
        if password:
            return telemetry_auth.hash_password(password)
        current = os.path.join(settings["auth_dir"], telemetry_auth.PASSWORD_FILE)
        if os.path.exists(current):
            with open(current, encoding="utf-8") as handle:
                entry = telemetry_auth.password_entry(handle.read(), service_user)
            if entry:
                return entry
        raise telemetry_auth.AuthError(
            f"the password file needs the ingestion service's user {service_user}: set "
            f"COLDCHAIN_MQTT_PASSWORD for the Odoo server, or keep its line in {current}"
        )
