from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..engine import telemetry, telemetry_sql
from .governance import check_governed, governed, governed_action


class ColdchainDeadLetterReplay(models.Model):
    """Log of the dead letters replayed (one line per dead letter: a replay is done
    once, the unique constraint holds it even between two concurrent clicks).
    Append-only: nobody edits or deletes it."""

    _name = "coldchain.dead.letter.replay"
    _description = "Telemetry dead letter replay"
    _order = "id desc"
    _rec_name = "dead_letter_id"

    dead_letter_id = fields.Integer(required=True, readonly=True, index=True)
    reason_code = fields.Char(readonly=True)
    topic = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", required=True, readonly=True)
    readings_valid = fields.Integer(readonly=True, help="Readings valid with today's registry.")
    readings_stored = fields.Integer(readonly=True, help="New readings (not stored before).")
    outcome = fields.Text(readonly=True)

    _dead_letter_uniq = models.Constraint(
        "UNIQUE (dead_letter_id)", "A dead letter is replayed once."
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_governed(self, set(vals), self.env._("The dead letter replay log"))
        return super().create(vals_list)

    def write(self, vals):
        if self:
            raise AccessError(self.env._("The dead letter replay log is append-only."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(self.env._("The dead letter replay log is append-only."))


DEAD_LETTER_ROWS = """
SELECT id, topic, payload, item_index, reason_code,
       (extract(epoch FROM received_at) * 1000000)::bigint,
       coalesce(payload_size, octet_length(payload)) > octet_length(payload)
  FROM coldchain_dead_letter WHERE id = ANY(%s) ORDER BY id
"""


class ColdchainDeadLetter(models.Model):
    _inherit = "coldchain.dead.letter"

    replayed = fields.Boolean(compute="_compute_replayed")
    replayable = fields.Boolean(compute="_compute_replayed")

    def _compute_replayed(self):
        logs = (
            self.env["coldchain.dead.letter.replay"]
            .sudo()
            .search([("dead_letter_id", "in", self.ids)])
        )
        done = set(logs.mapped("dead_letter_id"))
        for letter in self:
            letter.replayed = letter.id in done
            letter.replayable = (
                letter.reason_code in telemetry.REPLAYABLE
                and not letter.replayed
                and not letter.payload_truncated
            )

    @governed_action(
        "coldchain_sites.group_coldchain_manager",
        rule="dead letters the caller can read; cause a configuration change fixes "
        "(unknown gateway/sensor, site/gateway mismatch); whole payload kept; once",
    )
    def action_replay(self):
        """Validate the dead letters again against today's registry and store the
        readings that are valid now (new readings are queued for the excursion
        evaluation like any other); each replay is logged, once per dead letter."""
        self.check_access("read")  # the caller's sites (record rules)
        Replay = self.env["coldchain.dead.letter.replay"].sudo()
        if Replay.search_count([("dead_letter_id", "in", self.ids)]):
            raise UserError(self.env._("A dead letter is replayed once: already done."))
        cr = self.env.cr
        cr.execute(DEAD_LETTER_ROWS, [self.ids])
        rows = cr.fetchall()
        for _id, _topic, _payload, _item, reason, _received, truncated in rows:
            if reason not in telemetry.REPLAYABLE:
                raise UserError(
                    self.env._(
                        "Dead letters of cause %(reason)s cannot be replayed.", reason=reason
                    )
                )
            if truncated:
                raise UserError(self.env._("Only the beginning of this payload was kept."))
        cr.execute(telemetry_sql.GATEWAYS_QUERY)
        gateways = cr.fetchall()
        cr.execute(telemetry_sql.SENSORS_QUERY)
        registry = telemetry.Registry.from_rows(gateways, cr.fetchall())
        validator = telemetry.Validator(registry)
        logs = []
        for letter_id, topic, payload, item, reason, received_us, _truncated in rows:
            outcome = telemetry.replay(validator, topic, bytes(payload), received_us, item)
            stored = self._store_replayed(outcome.readings, received_us)
            refused = "; ".join(f"{r.reason}: {r.text}" for r in outcome.rejections)
            logs.append(
                {
                    "dead_letter_id": letter_id,
                    "reason_code": reason,
                    "topic": topic,
                    "user_id": self.env.uid,
                    "readings_valid": len(outcome.readings),
                    "readings_stored": stored,
                    "outcome": refused or self.env._("Valid with today's registry."),
                }
            )
        governed(Replay).create(logs)
        total = sum(log["readings_stored"] for log in logs)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._("%(count)s reading(s) stored.", count=total),
                "type": "success" if total else "warning",
            },
        }

    def _store_replayed(self, readings, received_us):
        if not readings:
            return 0
        columns = list(zip(*readings, strict=True))  # sensor, gateway, ts, value, seq, late, cal
        self.env.cr.execute(
            telemetry_sql.INSERT_READINGS,
            [
                list(columns[0]),
                list(columns[1]),
                list(columns[2]),
                list(columns[3]),
                list(columns[4]),
                [received_us] * len(readings),
                list(columns[5]),
                list(columns[6]),
            ],
        )
        stored = self.env.cr.fetchone()[0]
        self.env["coldchain.reading"].invalidate_model()
        return stored
