"""Demo stage ``wms_partners``: EDI trading partners and an exchange history.

The Warsaw site (WAW) is operated by a 3PL, Vistula Logistics: an X12 trading
partner (940 out; 945, 944, 846 and 997 in) on the directory transport, its drop
folder ``demo_3pl/<database>`` under ``[wms_bridge] drop_root`` (by default
``<data_dir>/edi``).  A customer orders over EDIFACT (ORDERS in, DESADV out).

The history goes through the bridge's own paths, run synchronously
(``queue_job__no_delay``): three deliveries at Warsaw send their 940s when they are
reserved; the 3PL's answers (a 997 and a 945 for each, written here in its place
with its own control numbers below the simulated 3PL's) are dropped into the
partner's inbox and read as the cron reads them.  The first 945 is processed (the
delivery is done, our 940 acknowledged); the other two carry the 3PL's own product
codes, which we did not know, and are parked with that reason.  The code is then
mapped (a partner product code) and the integration user reprocesses the first of
them (processed); the second stays parked, for the ``integration`` login to
reprocess.  The 940s answered here are moved to ``outbox/archive/`` as the
simulated 3PL does, so that it never answers them a second time.

The EDIFACT customer sends two ORDERS interchanges, dropped into its inbox and
read the same way: the first becomes a sale order (through the governed
pipeline), which is shipped, so a DESADV goes back to the customer's outbox and
its CONTRL answered the interchange; the second names an article we do not sell
(its EAN is unknown) and is parked with that reason.

Idempotent: deliveries are found by their origin, answers by their file name,
partners by their identifiers; a reload creates nothing.
"""

import logging
import os

from odoo import models
from odoo.addons.wms_bridge.engine import edifact, x12
from odoo.addons.wms_bridge.engine.edifact import EdifactEnvelope
from odoo.addons.wms_bridge.engine.x12 import Envelope

_logger = logging.getLogger(__name__)

THREEPL_SITE = "WAW"
THREEPL = {
    "name": "Vistula Logistics (3PL, Warsaw)",
    "ref": "DN3PL-VISTULA",
    "isa_id": "VISTULA3PL",
    "our_isa_id": "MERIDIAN",
}
THREEPL_DOCUMENTS = (("940", "out"), ("945", "in"), ("944", "in"), ("846", "in"), ("997", "in"))
EDIFACT_CUSTOMER = {
    "ref": "DN-C0001",  # the first customer of the plan (there at every scale)
    "party_id": "4012345000009",
    "our_id": "8712345000004",
}
EDIFACT_DOCUMENTS = (("ORDERS", "in"), ("DESADV", "out"))
# The customer's ORDERS: file name, interchange reference, order number, and
# whether its lines name our articles (processed) or an unknown EAN (parked).
EDIFACT_HISTORY = (
    ("orders_ord0001.edi", "ORD0001", "DN-EDI-PO-0001", "ours"),
    ("orders_ord0002.edi", "ORD0002", "DN-EDI-PO-0002", "unknown"),
)
UNKNOWN_EAN = "4099999000017"
# The scripted history: delivery origin, quantities of its lines, how the 3PL answers
# (``ours``: our codes, processed; ``theirs``: its own codes, parked) and the
# control numbers of its 997 and 945.
HISTORY = (
    ("DN-3PL-001", (12.0, 6.0), "ours", 11, 12),
    ("DN-3PL-002", (8.0, 4.0), "theirs", 21, 22),
    ("DN-3PL-003", (5.0, 3.0), "theirs", 31, 32),
)
REPROCESSED = "DN-3PL-002"
THEIR_PREFIX = "VL-"


def answer_name(control, set_id):
    return f"3pl_{control:09d}_{set_id}.x12"


class DistributionDemoNetwork(models.AbstractModel):
    _inherit = "distribution.demo.network"  # pylint: disable=consider-merging-classes-inherited

    def _load_wms_partners(self, plan, anchor):
        warehouse = self._warehouses().get(THREEPL_SITE)
        if not warehouse:
            return False
        env = self.with_context(queue_job__no_delay=True).env
        threepl = self.with_env(env)._wms_ensure_3pl(warehouse)
        self._wms_ensure_edifact_customer(plan)
        self.with_env(env)._wms_history(threepl, warehouse, anchor)
        self.with_env(env)._wms_edifact_history(anchor)
        return False

    # ------------------------------------------------------------------ partners

    def _wms_integration_user(self):
        return self.env["res.users"].search([("login", "=", "integration")], limit=1)

    def _wms_documents(self, documents):
        return [(0, 0, {"document_type": code, "direction": way}) for code, way in documents]

    def _wms_ensure_3pl(self, warehouse):
        TradingPartner = self.env["wms.trading.partner"].with_context(active_test=False)
        partner = TradingPartner.search(
            [
                ("company_id", "=", self.env.company.id),
                ("role", "=", "3pl"),
                ("isa_id", "=", THREEPL["isa_id"]),
            ],
            limit=1,
        )
        if not partner:
            Contact = self.env["res.partner"].with_context(active_test=False)
            contact = Contact.search([("ref", "=", THREEPL["ref"])], limit=1) or Contact.create(
                {
                    "name": "Vistula Logistics Sp. z o.o.",
                    "ref": THREEPL["ref"],
                    "is_company": True,
                    "city": "Warsaw",
                    "country_id": self.env.ref("base.pl").id,
                    "comment": f"Third-party logistics provider: operates the {warehouse.name} "
                    f"site ({warehouse.code}) for {self.env.company.name}.",
                }
            )
            partner = TradingPartner.create(
                {
                    "name": THREEPL["name"],
                    "partner_id": contact.id,
                    "role": "3pl",
                    "standard": "x12",
                    "isa_id": THREEPL["isa_id"],
                    "gs_code": THREEPL["isa_id"],
                    "our_isa_id": THREEPL["our_isa_id"],
                    "our_gs_code": THREEPL["our_isa_id"],
                    # 004010: acknowledgments are 997s
                    "x12_version": "004010",
                    "transport": "directory",
                    "drop_folder": f"demo_3pl/{self.env.cr.dbname}",
                    "warehouse_ids": [(6, 0, warehouse.ids)],
                    "responsible_user_id": self._wms_integration_user().id or False,
                    "retry_base_seconds": 60,
                    "max_retries": 5,
                    "document_ids": self._wms_documents(THREEPL_DOCUMENTS),
                    "mapping_version_ids": [(0, 0, {"product_code": "ours"})],
                }
            )
            _logger.info("demo network: %s operates %s", partner.name, warehouse.code)
        for kind in ("inbox", "outbox", "archive"):
            partner._drop_path(kind)
        # where the simulated 3PL puts the 940s it answered
        os.makedirs(os.path.join(partner._drop_path("outbox"), "archive"), exist_ok=True)
        return partner

    def _wms_ensure_edifact_customer(self, plan):
        TradingPartner = self.env["wms.trading.partner"].with_context(active_test=False)
        if TradingPartner.search_count(
            [
                ("company_id", "=", self.env.company.id),
                ("standard", "=", "edifact"),
                ("edifact_party_id", "=", EDIFACT_CUSTOMER["party_id"]),
            ]
        ):
            return
        customer = self._partners(EDIFACT_CUSTOMER["ref"]).get(EDIFACT_CUSTOMER["ref"])
        if not customer:
            return
        partner = TradingPartner.create(
            {
                "name": f"{customer.name} (EDIFACT)",
                "partner_id": customer.id,
                "role": "customer",
                "standard": "edifact",
                "edifact_party_id": EDIFACT_CUSTOMER["party_id"],
                "edifact_qualifier": "14",
                "our_edifact_id": EDIFACT_CUSTOMER["our_id"],
                "our_edifact_qualifier": "14",
                "send_asn": True,
                "transport": "directory",
                "drop_folder": f"demo_edi/{self.env.cr.dbname}/{customer.ref.lower()}",
                "responsible_user_id": self._wms_integration_user().id or False,
                "document_ids": self._wms_documents(EDIFACT_DOCUMENTS),
                "mapping_version_ids": [(0, 0, {"product_code": "ours"})],
            }
        )
        for kind in ("inbox", "outbox", "archive"):
            partner._drop_path(kind)

    # ------------------------------------------------------------------ history

    def _wms_products(self, warehouse, wanted):
        """Up to two untracked demo products with ``wanted`` units free at the site."""
        products = self._products()
        Quant = self.env["stock.quant"]
        chosen = []
        for code in sorted(products):
            product = products[code]
            if product.tracking != "none" or not product.is_storable:
                continue
            free = Quant._get_available_quantity(product, warehouse.lot_stock_id)
            if free >= wanted:
                chosen.append(product)
            if len(chosen) == 2:
                break
        return chosen

    def _wms_delivery(self, warehouse, origin, lines, customer):
        Picking = self.env["stock.picking"]
        picking = Picking.search(
            [("origin", "=", origin), ("picking_type_id", "=", warehouse.out_type_id.id)],
            limit=1,
        )
        if picking:
            return picking
        customers = self.env.ref("stock.stock_location_customers")
        picking = Picking.create(
            {
                "picking_type_id": warehouse.out_type_id.id,
                "partner_id": customer.id,
                "origin": origin,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": customers.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": warehouse.lot_stock_id.id,
                            "location_dest_id": customers.id,
                        },
                    )
                    for product, qty in lines
                ],
            }
        )
        picking.action_confirm()
        return picking

    def _wms_history(self, threepl, warehouse, anchor):
        wanted = sum(sum(qtys) for _o, qtys, _a, _c1, _c2 in HISTORY)
        products = self._wms_products(warehouse, wanted)
        customer = self._partners("DN-C").get(EDIFACT_CUSTOMER["ref"])
        if not products or not customer:
            _logger.info("demo network: no stock at %s for the 3PL history", warehouse.code)
            return
        Exchange = self.env["wms.exchange"]
        received = set(
            Exchange.search(
                [
                    ("trading_partner_id", "=", threepl.id),
                    ("direction", "=", "in"),
                    ("parent_id", "=", False),
                ]
            ).mapped("filename")
        )
        when = anchor.replace(second=0, microsecond=0)
        answers = []
        for origin, qtys, codes, ack_control, ship_control in HISTORY:
            lines = list(zip(products, qtys, strict=False))
            picking = self._wms_delivery(warehouse, origin, lines, customer)
            if not picking.wms_order_exchange_id and picking.state in (
                "confirmed",
                "waiting",
                "assigned",
            ):
                picking.action_assign()  # reserved: its 940 goes out (as the cron would)
            order_out = picking.wms_order_exchange_id
            if not order_out or order_out.state not in ("sent", "acknowledged"):
                continue
            if answer_name(ship_control, "945") in received:
                continue
            raw = order_out._payload_bytes()
            answers += self._wms_answers(raw, codes, ack_control, ship_control, when)
            self._wms_archive_sent(threepl, order_out.filename)
        if answers:
            inbox = threepl._drop_path("inbox")
            for name, text in answers:
                tmp = os.path.join(inbox, f".{name}.tmp")
                with open(tmp, "w", encoding="latin-1") as handle:
                    handle.write(text)
                os.replace(tmp, os.path.join(inbox, name))
            threepl._poll_inbox()
        self._wms_fix_and_reprocess(threepl, warehouse, products)

    def _wms_answers(self, raw, codes, ack_control, ship_control, when):
        """The 3PL's 997 and 945 answering our 940 interchange ``raw``."""
        result = x12.process_interchange(
            raw, ack_control_number=ack_control, ack_type="997", when=when
        )
        info, group = result.interchange, result.groups[0]
        envelope = Envelope(
            sender_id=info.receiver_id.strip(),
            receiver_id=info.sender_id.strip(),
            sender_qualifier=info.receiver_qualifier,
            receiver_qualifier=info.sender_qualifier,
            gs_sender=group.receiver,
            gs_receiver=group.sender,
            version=group.version[:6],
            separators=info.separators,
        )
        order = result.sets[0].data
        lines = []
        for line in order["lines"]:
            ids = dict(line["product_ids"])
            if codes == "theirs":
                ours = ids.get("VN") or ""
                ids = {"BP": THEIR_PREFIX + ours.removeprefix("DN-")}
            lines.append(
                {
                    "line": line["line"],
                    "status": "CC",
                    "qty_ordered": line["qty"],
                    "qty_shipped": line["qty"],
                    "qty_difference": 0.0,
                    "uom": line["uom"],
                    "product_ids": ids,
                }
            )
        shipment = {
            "report_code": "F",
            "order_ref": order["order_ref"],
            "date": when.date(),
            "shipment_id": f"VSH{ship_control:09d}",
            "po_ref": order.get("po_ref") or "",
            "refs": {"BM": f"BOL{ship_control:09d}", "CN": f"1Z3PL{ship_control:012d}"},
            "carrier": {"transport_method": "M", "scac": "DHLP"},
            "lines": lines,
        }
        text = x12.write_interchange(
            envelope, [("945", shipment)], control_number=ship_control, when=when
        )
        return [
            (answer_name(ack_control, "997"), result.ack),
            (answer_name(ship_control, "945"), text),
        ]

    def _wms_archive_sent(self, threepl, filename):
        """Our 940, answered here, leaves the outbox as the simulated 3PL's would."""
        outbox = threepl._drop_path("outbox")
        path = os.path.join(outbox, filename or "")
        if filename and os.path.isfile(path):
            os.makedirs(os.path.join(outbox, "archive"), exist_ok=True)
            os.replace(path, os.path.join(outbox, "archive", filename))

    def _wms_edifact_customer(self):
        return (
            self.env["wms.trading.partner"]
            .with_context(active_test=False)
            .search(
                [
                    ("company_id", "=", self.env.company.id),
                    ("standard", "=", "edifact"),
                    ("edifact_party_id", "=", EDIFACT_CUSTOMER["party_id"]),
                ],
                limit=1,
            )
        )

    def _wms_edifact_history(self, anchor):
        """The EDIFACT customer's two ORDERS (one processed and shipped with its
        DESADV, one parked), read from its inbox as the cron reads them."""
        partner = self._wms_edifact_customer()
        if not partner:
            return
        received = set(
            self.env["wms.exchange"]
            .search([("trading_partner_id", "=", partner.id), ("parent_id", "=", False)])
            .mapped("filename")
        )
        warehouse = self.env.user._get_default_warehouse_id()
        products = self._wms_products(warehouse, 10.0) if warehouse else []
        if not products:
            _logger.info("demo network: no stock for the EDIFACT customer's orders")
            return
        when = anchor.replace(second=0, microsecond=0)
        envelope = EdifactEnvelope(
            sender_id=EDIFACT_CUSTOMER["party_id"],
            sender_qualifier="14",
            recipient_id=EDIFACT_CUSTOMER["our_id"],
            recipient_qualifier="14",
        )
        inbox = partner._drop_path("inbox")
        dropped = False
        for name, control, order_ref, codes in EDIFACT_HISTORY:
            if name in received:
                continue
            lines = [
                {
                    "line": n,
                    "product_ids": {"SA": product.default_code},
                    "description": product.name,
                    "qty": qty,
                    "uom": "PCE",
                    "price": product.list_price,
                }
                for n, (product, qty) in enumerate(zip(products, (4.0, 2.0), strict=False), 1)
            ]
            if codes == "unknown":
                lines.append(
                    {
                        "line": len(lines) + 1,
                        "item_id": UNKNOWN_EAN,
                        "item_id_type": "SRV",
                        "description": "Organic oat drink 1L (not in our range)",
                        "qty": 12.0,
                        "uom": "PCE",
                    }
                )
            doc = {
                "order_ref": order_ref,
                "dates": {"137": when.date()},
                "parties": [{"qualifier": "BY", "id": EDIFACT_CUSTOMER["party_id"]}],
                "currency": "EUR",
                "lines": lines,
            }
            text = edifact.write_interchange(
                envelope, [("ORDERS", doc)], control_ref=control, when=when
            )
            tmp = os.path.join(inbox, f".{name}.tmp")
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, os.path.join(inbox, name))
            dropped = True
        if dropped:
            partner._poll_inbox()
        self._wms_ship_edifact_order(partner)

    # who releases an EDI order's holds in the demo, by the hold's responsible group
    EDI_HOLD_RELEASERS = (
        ("distribution_orchestration.group_orchestration_credit", "credit"),
        ("distribution_orchestration.group_orchestration_user", "sales"),
    )
    EDI_HOLD_NOTE = "EDI order of a framework-contract customer: terms and exposure agreed"

    def _wms_release_edi_holds(self, order):
        """The order's open holds, released by the demo user of their group."""
        if "distribution_hold_ids" not in order._fields:
            return
        holds = order.distribution_hold_ids.filtered(lambda h: h.state == "open")
        for xmlid, login in self.EDI_HOLD_RELEASERS:
            group = self.env.ref(xmlid, raise_if_not_found=False)
            user = self.env["res.users"].search([("login", "=", login)], limit=1)
            mine = holds.filtered(lambda h, g=group: h.responsible_group_id == g)
            if mine and user:
                mine.with_user(user).action_release(self.EDI_HOLD_NOTE)
                holds -= mine

    def _wms_ship_edifact_order(self, partner):
        """The processed ORDERS: its holds released, its delivery shipped, so that
        its DESADV goes to the customer."""
        order = self.env["sale.order"].search(
            [("client_order_ref", "=", EDIFACT_HISTORY[0][2])], limit=1
        )
        self._wms_release_edi_holds(order)
        deliveries = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
        )
        if not deliveries:
            return
        deliveries.action_assign()
        ready = deliveries.filtered(lambda p: any(m.quantity > 0 for m in p.move_ids))
        ready.move_ids.filtered(lambda m: m.quantity > 0).picked = True
        ready.with_context(cancel_backorder=True)._action_done()

    def _wms_fix_and_reprocess(self, threepl, warehouse, products):
        """The 3PL's own codes mapped, then the first parked 945 reprocessed by the
        integration user (the second waits for them)."""
        Exchange = self.env["wms.exchange"]
        picking = self.env["stock.picking"].search(
            [("origin", "=", REPROCESSED), ("picking_type_id", "=", warehouse.out_type_id.id)],
            limit=1,
        )
        parked = Exchange.search(
            [
                ("trading_partner_id", "=", threepl.id),
                ("document_type", "=", "945"),
                ("state", "=", "parked"),
                ("picking_id", "=", picking.id),
            ],
            limit=1,
        )
        if not picking or not parked:
            return
        Code = self.env["wms.partner.product.code"]
        known = set(Code.search([("trading_partner_id", "=", threepl.id)]).mapped("code"))
        Code.create(
            [
                {
                    "trading_partner_id": threepl.id,
                    "product_id": product.id,
                    "code": THEIR_PREFIX + product.default_code.removeprefix("DN-"),
                }
                for product in products
                if THEIR_PREFIX + product.default_code.removeprefix("DN-") not in known
            ]
        )
        user = self._wms_integration_user()
        (parked.with_user(user) if user else parked).action_reprocess()
