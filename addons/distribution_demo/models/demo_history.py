"""The history through the governed order pipeline (stage ``sales``, batch by batch).

What credit control did is planned in ``engine/history_pipeline.py``; here the demo's
people do it through the pipeline's own entry points:

* ``sales`` submits the batch (``action_confirm``: the pipeline checks every order,
  then holds it or allocates and releases it), first the orders of customers in good
  standing, then, while ``credit`` has their customers on hold (a governed change of
  the customer, logged), the orders that came in during an on-hold spell;
* ``credit`` decides every hold of the batch by what became of the order
  (``action_release`` with a note, ``action_reject`` with the reason); a release
  runs the order's other checks again, which may hold it once more: decided in
  turn.  A hold only an orchestration administrator may decide (stock not
  available across the network, late in the history; a larger ``SCALE`` loaded
  on top may also meet today's stricter site checks) goes to the ``admin`` login,
  the demo's administrator, by the same rule;
* the holds, their decisions, the pipeline's log, the allocations and the spells'
  entries in the customers' governance log are then back-dated with the orders.

Every step runs as the login who would take it, with that login's rights (no
``sudo``): the loader's own environment only reads what it must find again and
back-dates in SQL, as for the rest of the history.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from odoo import models

from ..engine import history_pipeline

_logger = logging.getLogger(__name__)

#: A released hold runs the order's other checks again; they may hold it once more.
DECISION_ROUNDS = 4


class DistributionDemoHistory(models.AbstractModel):
    _inherit = "distribution.demo.network"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------ submission

    def _history_submit(self, history, batch, by_key, users):
        """Submit the batch's orders as the sales login.  Return the customers'
        governance log entries the spells wrote, as ``(entry id, days before the
        anchor)``, for the back-dating."""
        Order = self.env["sale.order"]
        plain = []
        rounds = defaultdict(list)  # n -> [(spell, order id)]: each customer's n-th spell
        seen = defaultdict(list)  # customer -> its spells in this batch
        for item in batch:
            if not history_pipeline.submitted(item):
                continue
            spell = history.spell_of(item)
            if not spell:
                plain.append(by_key[item.key].id)
                continue
            if spell not in seen[spell.customer]:
                seen[spell.customer].append(spell)
            rounds[seen[spell.customer].index(spell)].append((spell, by_key[item.key].id))
        if plain:
            Order.browse(plain).with_user(users["sales"]).action_confirm()
        logs = []
        for index in sorted(rounds):
            spells = {spell for spell, _order in rounds[index]}
            held, entries = self._history_hold_customers(spells, users["credit"])
            logs += [(entry, spell.start_days_ago) for entry, spell in entries]
            Order.browse([order for _spell, order in rounds[index]]).with_user(
                users["sales"]
            ).action_confirm()
            entries = self._history_lift_customers(held, spells, users["credit"])
            logs += [(entry, spell.end_days_ago) for entry, spell in entries]
        return logs

    def _history_spells_by_partner(self, spells):
        customers = self._partners("DN-C")
        return {customers[spell.customer].id: spell for spell in spells}

    def _history_hold_customers(self, spells, credit):
        """Credit control puts the spells' customers on hold, with the spell's note
        (customers already on hold are left as they are).  Return the customers put on
        hold and the log entries written, as ``(entry id, spell)``."""
        by_partner = self._history_spells_by_partner(spells)
        partners = (
            self.env["res.partner"]
            .browse(list(by_partner))
            .filtered(lambda p: not p.distribution_on_hold)
        )
        by_note = defaultdict(list)
        for partner in partners:
            by_note[by_partner[partner.id].note].append(partner.id)
        Log = self.env["distribution.partner.log"]
        last = Log.search([], limit=1, order="id desc").id
        for note, ids in sorted(by_note.items()):
            # as credit control: a governed change of the customers, logged
            self.env["res.partner"].browse(ids).with_user(credit).write(
                {"distribution_on_hold": True, "distribution_hold_note": note}
            )
        entries = Log.search([("id", ">", last or 0), ("partner_id", "in", partners.ids)])
        return partners, [(entry.id, by_partner[entry.partner_id.id]) for entry in entries]

    def _history_lift_customers(self, partners, spells, credit):
        """Credit control takes the customers it put on hold off again; return the log
        entries written, as ``(entry id, spell)``."""
        if not partners:
            return []
        by_partner = self._history_spells_by_partner(spells)
        Log = self.env["distribution.partner.log"]
        last = Log.search([], limit=1, order="id desc").id
        partners.with_user(credit).write(
            {"distribution_on_hold": False, "distribution_hold_note": False}
        )
        entries = Log.search([("id", ">", last or 0), ("partner_id", "in", partners.ids)])
        return [(entry.id, by_partner[entry.partner_id.id]) for entry in entries]

    # ------------------------------------------------------------------ decisions

    def _history_resolvers(self, users):
        """Who decides a hold: credit control, or (holds routed to orchestration
        administrators) the demo's administrator."""
        return [users["credit"], self.env.ref("base.user_admin")]

    def _history_decide(self, batch, by_key, users):
        """Decide every open hold of the batch's orders, in rounds (a release runs the
        order's other checks again), grouped by who decides, how and with which note:
        a few calls per round, whatever the number of holds."""
        item_of = {by_key[item.key].id: item for item in batch if history_pipeline.submitted(item)}
        orders = self.env["sale.order"].browse(list(item_of))
        resolvers = [(user, user.all_group_ids) for user in self._history_resolvers(users)]
        rank = {user.id: n for n, (user, _groups) in enumerate(resolvers)}
        Hold = self.env["distribution.hold"]
        for _round in range(DECISION_ROUNDS):
            orders.invalidate_recordset(["distribution_hold_ids"])
            holds = orders.distribution_hold_ids.filtered(lambda h: h.state == "open")
            if not holds:
                return
            groups = defaultdict(lambda: Hold)
            for hold in holds:
                decided = history_pipeline.decision(item_of[hold.order_id.id], hold.check_code)
                resolver = next(
                    (user for user, groups in resolvers if hold.responsible_group_id in groups),
                    None,
                )
                if resolver is None:
                    raise ValueError(
                        f"no demo user may decide the hold {hold.name} "
                        f"({hold.responsible_group_id.full_name})"
                    )
                groups[(decided.resolution, resolver.id, decided.note)] |= hold
            # rejections first (they close the order's other holds with it), credit
            # control's before the administrator's
            for (resolution, resolver_id, note), group in sorted(
                groups.items(),
                key=lambda kv: (kv[0][0] != "reject", rank[kv[0][1]], kv[0][2]),
            ):
                group.invalidate_recordset(["state"])
                still_open = group.filtered(lambda h: h.state == "open")
                if not still_open:
                    continue
                resolver = self.env["res.users"].browse(resolver_id)
                if resolution == "reject":
                    still_open.with_user(resolver).action_reject(note)
                else:
                    still_open.with_user(resolver).action_release(note)
        orders.invalidate_recordset(["distribution_hold_ids"])
        left = orders.distribution_hold_ids.filtered(lambda h: h.state == "open")
        if left:
            _logger.warning(
                "demo network: %d history holds still open after %d rounds: %s",
                len(left),
                DECISION_ROUNDS,
                ", ".join(left.mapped("name")),
            )

    # ------------------------------------------------------------------ back-dating

    def _backdate_history_pipeline(self, history, batch, by_key, anchor, spell_logs):
        """Back-date what the pipeline wrote for the batch with its orders: holds came
        with the order (due their check's hours later), and were decided
        ``decided_after_hours`` later; the pipeline's
        log before the first decision at the order's time, after it at the decision's;
        allocations with the release (the order's time, or the decision's); the
        holds' messages (their state changes) with the decision; the spells' entries in
        the customers' governance log at the spell's start and end.  One statement per
        table."""
        rows = []
        for item in batch:
            if not history_pipeline.submitted(item):
                continue
            came = self._at(anchor, item.ordered_days_ago)
            decided = came + timedelta(hours=history.decided_after_hours(item))
            rows.append((by_key[item.key].id, came, decided))
        if not rows:
            return
        self.env.flush_all()
        arrays = [list(column) for column in zip(*rows, strict=True)]
        values = "unnest(%s::int[], %s::timestamp[], %s::timestamp[]) AS v(order_id, came, decided)"
        cr = self.env.cr
        cr.execute(
            f"""
            UPDATE distribution_hold h
               SET create_date = v.came,
                   write_date = CASE WHEN h.resolved_at IS NULL THEN v.came ELSE v.decided END,
                   due_at = v.came + coalesce(
                       (SELECT make_interval(secs => c.due_hours * 3600)
                          FROM distribution_check c WHERE c.id = h.check_id),
                       h.due_at - h.create_date
                   ),
                   resolved_at = CASE WHEN h.resolved_at IS NULL THEN NULL ELSE v.decided END
              FROM {values}
             WHERE h.order_id = v.order_id
            """,
            arrays,
        )
        cr.execute(
            f"""
            WITH v AS (SELECT * FROM {values}),
                 first_decision AS (
                     SELECT l.order_id, min(l.id) AS id
                       FROM distribution_log l
                       JOIN v ON v.order_id = l.order_id
                      WHERE l.event IN ('resolve', 'reject')
                      GROUP BY l.order_id
                 )
            UPDATE distribution_log l
               SET create_date = CASE WHEN f.id IS NULL OR l.id < f.id
                                      THEN v.came ELSE v.decided END,
                   write_date = CASE WHEN f.id IS NULL OR l.id < f.id
                                     THEN v.came ELSE v.decided END
              FROM v
              LEFT JOIN first_decision f ON f.order_id = v.order_id
             WHERE l.order_id = v.order_id
            """,
            arrays,
        )
        cr.execute(
            f"""
            UPDATE distribution_allocation a
               SET create_date = CASE WHEN EXISTS (
                       SELECT 1 FROM distribution_hold h WHERE h.order_id = a.order_id
                   ) THEN v.decided ELSE v.came END,
                   write_date = CASE WHEN EXISTS (
                       SELECT 1 FROM distribution_hold h WHERE h.order_id = a.order_id
                   ) THEN v.decided ELSE v.came END
              FROM {values}
             WHERE a.order_id = v.order_id
            """,
            arrays,
        )
        cr.execute(
            f"""
            UPDATE mail_message m
               SET date = CASE WHEN EXISTS (
                       SELECT 1 FROM mail_tracking_value t WHERE t.mail_message_id = m.id
                   ) THEN v.decided ELSE v.came END
              FROM distribution_hold h, {values}
             WHERE m.model = 'distribution.hold' AND m.res_id = h.id
               AND h.order_id = v.order_id
            """,
            arrays,
        )
        self._backdate(
            "distribution_partner_log",
            [(entry, self._at(anchor, days), self._at(anchor, days)) for entry, days in spell_logs],
            ("create_date", "write_date"),
        )
        self.env.invalidate_all()
