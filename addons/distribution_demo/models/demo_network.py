"""Loads the demo distribution network (``engine/plan.py``) into Odoo.

Stages run in order; each is idempotent (it looks up what exists by the plan's
stable keys and creates only the rest) and the order stages work in batches, so
the driver (``scripts/stack.py setup``) can commit between calls:

    network = env["distribution.demo.network"]
    for stage in network.STAGES:
        while network.load_stage(stage, scale):   # True while work remains
            env.cr.commit()

History is created through Odoo's own flows so quants, moves and procurement are
consistent: the sale orders through the governed order pipeline (checks, holds
decided by credit control, allocation, release; ``models/demo_history.py``), then
reserved and shipped, and everything back-dated in one SQL update per table and
batch.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models

from ..engine import history_pipeline
from ..engine import plan as demo_plan

_logger = logging.getLogger(__name__)

BATCH = 200
#: ``ref`` prefix of the sites' own address records.
SITE_ADDRESS_PREFIX = "DNSITE-"
DEMO_USERS = (
    # login (= password), name, groups
    (
        "sales",
        "Sam Sales",
        (
            "sales_team.group_sale_salesman_all_leads",
            "distribution_orchestration.group_orchestration_user",
            "distribution_orchestration.group_orchestration_all_sites",
        ),
    ),
    (
        "credit",
        "Carla Credit",
        (
            "distribution_orchestration.group_orchestration_credit",
            "distribution_orchestration.group_orchestration_all_sites",
            "account.group_account_invoice",
        ),
    ),
    (
        "warehouse",
        "Wes Warehouse",
        ("stock.group_stock_user", "coldchain_sites.group_coldchain_operator"),
    ),
    ("quality", "Quinn Quality", ("coldchain_sites.group_coldchain_quality",)),
    ("integration", "Ines Integration", ("wms_bridge.group_wms_bridge_user",)),
    (
        "site",
        "Rita Rotterdam",
        (
            "distribution_orchestration.group_orchestration_credit",
            "coldchain_sites.group_coldchain_operator",
        ),
    ),
)
# Site-scoped demo users: the sites (warehouse codes) they work on, for the order
# pipeline and the cold chain alike; users not listed here have an "All sites" group
# or, for the warehouse operator, the cold sites (coldchain stage).
DEMO_USER_SITES = {"site": ("RTM",)}


class DistributionDemoNetwork(models.AbstractModel):
    _name = "distribution.demo.network"
    _description = "Demo distribution network loader"

    STAGES = (
        "settings",
        "sites",
        "catalogue",
        "partners",
        "users",
        "opening_stock",
        "coldchain",
        "purchases",
        "governance",
        "sales",
        "credit_limits",
        "rule_governance",
        "pipeline_state",
        "wms_partners",
        "coldchain_states",
    )

    # ------------------------------------------------------------------ entry points

    @api.model
    def load_stage(self, stage, scale=1.0, anchor=None):
        """Run one stage; return True while the stage has more batches to do."""
        if stage not in self.STAGES:
            raise ValueError(f"unknown demo stage {stage!r}")
        plan = demo_plan.Plan(scale)
        anchor = anchor or fields.Datetime.now().replace(microsecond=0)
        return bool(getattr(self, f"_load_{stage}")(plan, anchor))

    @api.model
    def load_all(self, scale=1.0, anchor=None):
        """Every stage to the end, in this transaction (tests, small scales)."""
        for stage in self.STAGES:
            while self.load_stage(stage, scale, anchor):
                pass

    # ---------------------------------------------------------------------- helpers

    def _warehouses(self):
        warehouses = (
            self.env["stock.warehouse"]
            .with_context(active_test=False)
            .search(
                [
                    ("code", "in", [w.code for w in demo_plan.WAREHOUSES]),
                    ("company_id", "=", self.env.company.id),
                ]
            )
        )
        return {w.code: w for w in warehouses}

    def _products(self, keys=None):
        domain = [("default_code", "=like", "DN-%")]
        if keys is not None:
            domain = [("default_code", "in", list(keys))]
        products = self.env["product.product"].with_context(active_test=False).search(domain)
        return {p.default_code: p for p in products}

    def _partners(self, prefix):
        partners = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("ref", "=like", f"{prefix}%")])
        )
        return {p.ref: p for p in partners}

    @staticmethod
    def _at(anchor, days_ago):
        return anchor - timedelta(days=days_ago)

    def _backdate(self, table, rows, columns):
        """Set timestamp ``columns`` of ``table`` from rows ``(id, *values)``, one statement."""
        if not rows:
            return
        assignments = ", ".join(f"{col} = v.{col}" for col in columns)
        arrays = ", ".join(["%s::int[]", *(["%s::timestamp[]"] * len(columns))])
        names = ", ".join(("id", *columns))
        self.env.cr.execute(
            f"UPDATE {table} t SET {assignments} FROM unnest({arrays}) AS v({names}) "
            "WHERE t.id = v.id",
            [list(column) for column in zip(*rows, strict=True)],
        )

    # ----------------------------------------------------------------------- stages

    def _load_settings(self, plan, anchor):
        company = self.env.company
        if company.name in ("YourCompany", "My Company"):
            company.name = "Meridian Distribution"
        # lots, multiple locations (cold zones) and putaway rules are used by the network
        wanted = {
            "group_stock_production_lot": "stock.group_production_lot",
            "group_stock_multi_locations": "stock.group_stock_multi_locations",
            "group_stock_adv_location": "stock.group_adv_location",
        }
        employee = self.env.ref("base.group_user")
        if any(self.env.ref(xmlid) not in employee.implied_ids for xmlid in wanted.values()):
            self.env["res.config.settings"].create(dict.fromkeys(wanted, True)).execute()
        return False

    def _load_sites(self, plan, anchor):
        """Each site at its own place: its own address (a contact of the company, never
        the company's own record, which new warehouses share) and its coordinates on the
        warehouse, which the allocation measures distances from."""
        Warehouse = self.env["stock.warehouse"]
        existing = self._warehouses()
        default = Warehouse.search(
            [("code", "=", "WH"), ("company_id", "=", self.env.company.id)], limit=1
        )
        countries = {
            c.code: c
            for c in self.env["res.country"].search(
                [("code", "in", [w.country_code for w in plan.warehouses])]
            )
        }
        addresses = self._partners(SITE_ADDRESS_PREFIX)
        for site in plan.warehouses:
            warehouse = existing.get(site.code)
            if not warehouse and default:
                # the company's default warehouse becomes the first site
                default.write({"code": site.code, "name": site.name})
                warehouse, default = default, None
            elif not warehouse:
                warehouse = Warehouse.create({"code": site.code, "name": site.name})
            address_vals = {
                "name": site.name,
                "type": "other",
                "parent_id": self.env.company.partner_id.id,
                "city": site.city,
                "country_id": countries[site.country_code].id,
                "partner_latitude": site.latitude,
                "partner_longitude": site.longitude,
            }
            ref = f"{SITE_ADDRESS_PREFIX}{site.code}"
            address = addresses.get(ref)
            if address:
                address.write(address_vals)
            else:
                address = self.env["res.partner"].create(dict(address_vals, ref=ref))
            warehouse.write(
                {
                    "partner_id": address.id,
                    "distribution_latitude": site.latitude,
                    "distribution_longitude": site.longitude,
                }
            )
            self._ensure_cold_zones(warehouse, site)
        return False

    def _ensure_cold_zones(self, warehouse, site):
        Location = self.env["stock.location"]
        existing = Location.search([("location_id", "=", warehouse.lot_stock_id.id)])
        by_name = {loc.name: loc for loc in existing}
        missing = [
            {
                "name": zone.name,
                "location_id": warehouse.lot_stock_id.id,
                "usage": "internal",
                "barcode": f"{site.code}-{zone.key}",
            }
            for zone in site.cold_zones
            if zone.name not in by_name
        ]
        Location.create(missing)

    def _categories(self, plan):
        Category = self.env["product.category"]
        result = {}
        for family in demo_plan.FAMILIES:
            path = family[0]
            parent = self.env["product.category"]
            for name in path.split(" / "):
                category = Category.search(
                    [("name", "=", name), ("parent_id", "=", parent.id or False)], limit=1
                ) or Category.create({"name": name, "parent_id": parent.id or False})
                parent = category
            result[path] = parent
        return result

    def _load_catalogue(self, plan, anchor):
        categories = self._categories(plan)
        self._ensure_putaway_rules(categories)
        existing = self._products()
        todo = [p for p in plan.products() if p.key not in existing]
        if todo:
            self.env["product.product"].create(
                [
                    {
                        "name": p.name,
                        "default_code": p.key,
                        "barcode": p.barcode,
                        "type": "consu",
                        "is_storable": True,
                        "tracking": p.tracking,
                        "categ_id": categories[p.category].id,
                        "list_price": p.list_price,
                        "standard_price": p.cost,
                        "weight": p.weight,
                        "sale_ok": True,
                        "purchase_ok": True,
                    }
                    for p in todo
                ]
            )
            _logger.info("demo network: %d products created", len(todo))
        return False

    def _ensure_putaway_rules(self, categories):
        """Receipts of temperature-controlled families go to the cold zone of the site."""
        Rule = self.env["stock.putaway.rule"]
        warehouses = self._warehouses()
        zone_names = {z.key: z.name for site in demo_plan.WAREHOUSES for z in site.cold_zones}
        existing = Rule.search([("company_id", "=", self.env.company.id)])
        seen = {(r.location_in_id.id, r.category_id.id) for r in existing}
        zones = self.env["stock.location"].search(
            [
                ("name", "in", list(zone_names.values())),
                ("location_id", "in", [w.lot_stock_id.id for w in warehouses.values()]),
            ]
        )
        zone_of = {(z.location_id.id, z.name): z for z in zones}
        vals = []
        for site in demo_plan.WAREHOUSES:
            warehouse = warehouses.get(site.code)
            if not warehouse or not site.is_cold_site:
                continue
            for path, _s, _l, zone_key, _p, _m in demo_plan.FAMILIES:
                if not zone_key:
                    continue
                stock = warehouse.lot_stock_id
                zone = zone_of.get((stock.id, zone_names[zone_key]))
                if zone and (stock.id, categories[path].id) not in seen:
                    vals.append(
                        {
                            "location_in_id": stock.id,
                            "category_id": categories[path].id,
                            "location_out_id": zone.id,
                            "company_id": self.env.company.id,
                        }
                    )
        Rule.create(vals)

    def _load_partners(self, plan, anchor):
        Partner = self.env["res.partner"]
        customers, vendors = plan.customers(), plan.vendors()
        countries = {
            c.code: c
            for c in self.env["res.country"].search(
                [("code", "in", sorted({p.country_code for p in customers + vendors}))]
            )
        }
        for prefix, items in (("DN-C", customers), ("DN-V", vendors)):
            existing = self._partners(prefix)
            todo = [p for p in items if p.key not in existing]
            Partner.create(
                [
                    {
                        "name": p.name,
                        "ref": p.key,
                        "is_company": True,
                        "city": p.city,
                        "country_id": countries[p.country_code].id,
                        "email": f"orders@{p.key.lower()}.example.com",
                        "customer_rank": 0 if p.is_vendor else 1,
                        "supplier_rank": 1 if p.is_vendor else 0,
                        "partner_latitude": p.latitude,
                        "partner_longitude": p.longitude,
                        "comment": (
                            f"Tier: {p.tier}. Home site: {p.home_warehouse}."
                            + (
                                " Requires a customer reference on orders."
                                if p.requires_reference
                                else ""
                            )
                        )
                        if not p.is_vendor
                        else False,
                    }
                    for p in todo
                ]
            )
            # partners loaded before they had places of their own are moved there
            for p in items:
                partner = existing.get(p.key)
                place = (p.city, p.latitude, p.longitude)
                if (
                    partner
                    and (
                        partner.city,
                        partner.partner_latitude,
                        partner.partner_longitude,
                    )
                    != place
                ):
                    partner.write(
                        {
                            "name": p.name,
                            "city": p.city,
                            "country_id": countries[p.country_code].id,
                            "partner_latitude": p.latitude,
                            "partner_longitude": p.longitude,
                        }
                    )
        self._ensure_home_sites(customers)
        self._ensure_payment_terms()
        self._ensure_supplier_info(plan)
        return False

    def _ensure_payment_terms(self):
        """Customers pay at 30 days: their orders carry payment terms, which the
        pipeline's required data check asks for.  (Their credit limits come after the
        history: stage ``credit_limits``.)"""
        term = self.env.ref("account.account_payment_term_30days", raise_if_not_found=False)
        if not term:
            return
        todo = self.env["res.partner"].concat(*self._partners("DN-C").values())
        todo = todo.filtered(lambda p: not p.property_payment_term_id)
        if todo:
            todo.write({"property_payment_term_id": term.id})

    def _ensure_home_sites(self, customers):
        """Each customer's home site is its nearest site (home then nearest policy)."""
        warehouses = self._warehouses()
        partners = self._partners("DN-C")
        keys_by_home = defaultdict(list)
        for customer in customers:
            if customer.key in partners:
                keys_by_home[customer.home_warehouse].append(customer.key)
        for home, keys in sorted(keys_by_home.items()):
            warehouse = warehouses.get(home)
            if not warehouse:
                continue
            todo = (
                self.env["res.partner"]
                .browse([partners[key].id for key in keys])
                .filtered(lambda p, w=warehouse: p.distribution_home_warehouse_id != w)
            )
            if todo:
                todo.write({"distribution_home_warehouse_id": warehouse.id})

    def _ensure_supplier_info(self, plan):
        vendors = self._partners("DN-V")
        products = self._products()
        existing = self.env["product.supplierinfo"].search(
            [("partner_id", "in", [v.id for v in vendors.values()])]
        )
        seen = {(s.partner_id.id, s.product_tmpl_id.id) for s in existing}
        vals = []
        for item in plan.products():
            product = products.get(item.key)
            vendor = vendors.get(plan.supplier_of(item.key))
            if product and vendor and (vendor.id, product.product_tmpl_id.id) not in seen:
                vals.append(
                    {
                        "partner_id": vendor.id,
                        "product_tmpl_id": product.product_tmpl_id.id,
                        "price": item.cost,
                        "delay": 5,
                        "min_qty": 0,
                    }
                )
        self.env["product.supplierinfo"].create(vals)

    def _load_users(self, plan, anchor):
        Users = self.env["res.users"].with_context(no_reset_password=True)
        existing = set(
            Users.with_context(active_test=False)
            .search([("login", "in", [u[0] for u in DEMO_USERS])])
            .mapped("login")
        )
        vals = []
        for login, name, groups in DEMO_USERS:
            if login in existing:
                continue
            group_ids = [self.env.ref(g).id for g in groups]
            vals.append(
                {
                    "login": login,
                    "password": login,
                    "name": name,
                    "email": f"{login}@meridian.example.com",
                    "company_id": self.env.company.id,
                    "company_ids": [(6, 0, self.env.company.ids)],
                    "group_ids": [(6, 0, [self.env.ref("base.group_user").id, *group_ids])],
                }
            )
        Users.create(vals)
        warehouses = self._warehouses()
        for login, codes in DEMO_USER_SITES.items():
            user = Users.search([("login", "=", login)], limit=1)
            sites = self.env["stock.warehouse"].browse([warehouses[c].id for c in codes])
            if user and sites - user.distribution_warehouse_ids:
                user.distribution_warehouse_ids = [Command.link(w.id) for w in sites]
            self._coldchain_assign_sites(user, sites)
        return False

    def _load_opening_stock(self, plan, anchor):
        """Opening quants per site, once per product (tracked by a parameter)."""
        params = self.env["ir.config_parameter"].sudo()
        done = int(params.get_param("distribution_demo.stocked_products", "0"))
        if done >= plan.sizes.products:
            return False
        warehouses = self._warehouses()
        products = self._products()
        zones = {
            (z.location_id.id, z.name): z
            for z in self.env["stock.location"].search(
                [("location_id", "in", [w.lot_stock_id.id for w in warehouses.values()])]
            )
        }
        zone_names = {z.key: z.name for site in demo_plan.WAREHOUSES for z in site.cold_zones}
        catalogue = {p.key: p for p in plan.products()}
        levels = [lv for lv in plan.stock_levels() if demo_plan.product_index(lv.product) >= done]
        lots = self.env["stock.lot"].create(
            [
                {
                    "name": lv.lot,
                    "product_id": products[lv.product].id,
                    "company_id": self.env.company.id,
                }
                for lv in levels
                if lv.lot
            ]
        )
        lot_of = {(lot.product_id.id, lot.name): lot for lot in lots}
        Quant = self.env["stock.quant"]
        in_date = anchor - timedelta(days=demo_plan.HISTORY_DAYS + 1)
        for level in levels:
            product = products[level.product]
            stock = warehouses[level.warehouse].lot_stock_id
            zone_key = catalogue[level.product].zone
            location = zones.get((stock.id, zone_names.get(zone_key))) if zone_key else None
            Quant._update_available_quantity(
                product,
                location or stock,
                level.quantity,
                lot_id=lot_of.get((product.id, level.lot)) if level.lot else None,
                in_date=in_date,
            )
        params.set_param("distribution_demo.stocked_products", str(plan.sizes.products))
        _logger.info("demo network: opening stock for %d product/site pairs", len(levels))
        return False

    # Cold-chain monitoring of the cold sites: profiles, tiers, one gateway per cold site,
    # two temperature sensors per cold zone (plus a door contact in chilled zones), each
    # with a calibration record.  Codes follow the zones' barcodes (RTM-CHILL-T1, ...).
    COLDCHAIN_PROFILES = (
        ("2-8C", "Refrigerated 2–8 °C", 2.0, 8.0),
        ("-25-15C", "Frozen −25…−15 °C", -25.0, -15.0),
        ("15-25C", "Controlled room 15–25 °C", 15.0, 25.0),
    )
    COLDCHAIN_ZONE_PROFILES = {"CHILL": "2-8C", "FREEZE": "-25-15C"}
    COLDCHAIN_CATEGORY_PROFILES = {
        "Pharmaceuticals / Refrigerated": "2-8C",
        "Food / Frozen": "-25-15C",
    }
    COLDCHAIN_TIERS = (("Gold", 5, 15, 99.9), ("Silver", 15, 30, 99.5))

    def _load_coldchain(self, plan, anchor):
        env = self.env
        Profile = env["coldchain.temperature.profile"].with_context(active_test=False)
        profiles = {p.code: p for p in Profile.search([])}
        Profile.create(
            [
                {"code": code, "name": name, "temp_min": low, "temp_max": high}
                for code, name, low, high in self.COLDCHAIN_PROFILES
                if code not in profiles
            ]
        )
        profiles = {p.code: p for p in Profile.search([])}
        Tier = env["coldchain.service.tier"].with_context(active_test=False)
        tiers = {t.name: t for t in Tier.search([])}
        Tier.create(
            [
                {
                    "name": name,
                    "detect_minutes": detect,
                    "acknowledge_minutes": ack,
                    "availability_target": availability,
                }
                for name, detect, ack, availability in self.COLDCHAIN_TIERS
                if name not in tiers
            ]
        )
        gold = Tier.search([("name", "=", "Gold")], limit=1)
        categories = env["product.category"].search(
            [("complete_name", "in", list(self.COLDCHAIN_CATEGORY_PROFILES))]
        )
        for category in categories:
            profile = profiles[self.COLDCHAIN_CATEGORY_PROFILES[category.complete_name]]
            if category.coldchain_profile_id != profile:
                category.coldchain_profile_id = profile

        warehouses = self._warehouses()
        cold_sites = [site for site in plan.warehouses if site.cold_zones]
        barcodes = [f"{site.code}-{zone.key}" for site in cold_sites for zone in site.cold_zones]
        zones = {z.barcode: z for z in env["stock.location"].search([("barcode", "in", barcodes)])}
        Gateway = env["coldchain.gateway"]
        gateways = {g.code: g for g in Gateway.search([])}
        Sensor = env["coldchain.sensor"]
        sensors = {s.code: s for s in Sensor.search([])}
        new_gateways, new_sensors = [], []
        # the demo's warehouse operator is on call at the cold sites (alerts reach them)
        # and works there (a cold-chain operator with no site listed sees no site)
        operator = env["res.users"].search([("login", "=", "warehouse")], limit=1)
        on_call = operator.partner_id
        self._coldchain_assign_sites(operator, [warehouses[site.code] for site in cold_sites])
        for site in cold_sites:
            warehouse = warehouses[site.code]
            if not warehouse.coldchain_tier_id:
                warehouse.coldchain_tier_id = gold
            if on_call and not warehouse.coldchain_oncall_partner_ids:
                warehouse.coldchain_oncall_partner_ids = on_call
            code = f"{site.code}-GW1"
            if code not in gateways:
                new_gateways.append(
                    {
                        "name": f"{site.name} gateway",
                        "code": code,
                        "serial": f"SN-{site.code}-0001",
                        "firmware": "2.4.1",
                        "warehouse_id": warehouse.id,
                    }
                )
        gateways.update({g.code: g for g in Gateway.create(new_gateways)})
        for site in cold_sites:
            for zone in site.cold_zones:
                location = zones[f"{site.code}-{zone.key}"]
                profile = profiles[self.COLDCHAIN_ZONE_PROFILES[zone.key]]
                if location.coldchain_profile_id != profile:
                    location.coldchain_profile_id = profile
                wanted = [("T1", "temperature"), ("T2", "temperature")]
                if zone.key == "CHILL":
                    wanted.append(("D1", "door"))
                for suffix, kind in wanted:
                    code = f"{location.barcode}-{suffix}"
                    if code not in sensors:
                        new_sensors.append(
                            {
                                "name": f"{zone.name} {suffix}",
                                "code": code,
                                "kind": kind,
                                "gateway_id": gateways[f"{site.code}-GW1"].id,
                                "location_id": location.id,
                                "expected_interval": 60,
                            }
                        )
        created = Sensor.create(new_sensors)
        env["coldchain.calibration"].create(
            [
                {
                    "sensor_id": sensor.id,
                    "date": (anchor - timedelta(days=60)).date(),
                    "reference_standard": "PT100 reference REF-2024-117 (ISO 17025)",
                    "result": "pass",
                    "deviation": 0.1,
                    "next_due_date": (anchor + timedelta(days=305)).date(),
                    "performed_by": "Demo Metrology Services",
                }
                for sensor in created
                if sensor.kind == "temperature"
            ]
        )
        return False

    @api.model
    def _coldchain_assign_sites(self, user, warehouses):
        """Add ``warehouses`` to the cold-chain sites of ``user`` (if any)."""
        missing = [w.id for w in warehouses if user and w not in user.coldchain_warehouse_ids]
        if missing:
            user.coldchain_warehouse_ids = [Command.link(wid) for wid in missing]

    def _load_purchases(self, plan, anchor):
        existing = {
            po.partner_ref
            for po in self.env["purchase.order"].search([("partner_ref", "=like", "DN-PO-%")])
        }
        todo = [po for po in plan.purchase_orders() if po.key not in existing and po.lines]
        if not todo:
            return False
        batch = todo[:BATCH]
        vendors = self._partners("DN-V")
        warehouses = self._warehouses()
        products = self._products({line.product for po in batch for line in po.lines})
        orders = self.env["purchase.order"].create(
            [
                {
                    "partner_id": vendors[po.vendor].id,
                    "partner_ref": po.key,
                    "picking_type_id": warehouses[po.warehouse].in_type_id.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": products[line.product].id,
                                "product_qty": line.quantity,
                                "price_unit": line.price_unit,
                            },
                        )
                        for line in po.lines
                    ],
                }
                for po in batch
            ]
        )
        orders.button_confirm()
        by_key = {o.partner_ref: o for o in orders}
        state_of = {po.key: po.state for po in batch}
        done = orders.filtered(lambda o: state_of[o.partner_ref] == "done")
        receipts = done.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        for move_line in receipts.move_line_ids.filtered(
            lambda ml: ml.product_id.tracking != "none"
        ):
            move_line.lot_name = (
                f"{move_line.product_id.default_code}-{move_line.picking_id.origin}"
            )
        receipts.move_ids.picked = True
        receipts.with_context(cancel_backorder=True)._action_done()
        self._backdate_purchases(batch, by_key, anchor)
        _logger.info(
            "demo network: %d purchase orders (%d left)", len(batch), len(todo) - len(batch)
        )
        return len(todo) > len(batch)

    def _backdate_purchases(self, batch, by_key, anchor):
        order_rows, transfers = [], []
        for item in batch:
            order = by_key[item.key]
            ordered = self._at(anchor, item.ordered_days_ago)
            planned = ordered + timedelta(days=item.lead_days)
            order_rows.append((order.id, ordered, ordered, planned))
            transfers.append(
                (order.picking_ids, planned, planned + timedelta(days=item.delay_days))
            )
        self._backdate_orders(
            "purchase_order", order_rows, ("date_order", "date_approve", "date_planned"), transfers
        )

    def _backdate_orders(self, table, order_rows, columns, transfers):
        """Back-date orders and their transfers: ``transfers`` lists (pickings, planned,
        done) per order; transfers not done keep no done date."""
        picking_rows, move_rows = [], []
        for pickings, planned, done_at in transfers:
            for picking in pickings:
                done = done_at if picking.state == "done" else None
                picking_rows.append((picking.id, planned, planned, done or planned))
                move_rows.extend((move.id, done or planned, planned) for move in picking.move_ids)
        self.env.flush_all()
        self._backdate(table, order_rows, columns)
        self._backdate(
            "stock_picking", picking_rows, ("scheduled_date", "date_deadline", "date_done")
        )
        self.env.cr.execute(
            "UPDATE stock_picking SET date_done = NULL WHERE id = ANY(%s) AND state != 'done'",
            ([r[0] for r in picking_rows],),
        )
        self._backdate("stock_move", move_rows, ("date", "date_deadline"))
        self.env.cr.execute(
            "UPDATE stock_move_line ml SET date = m.date FROM stock_move m "
            "WHERE ml.move_id = m.id AND m.id = ANY(%s)",
            ([r[0] for r in move_rows],),
        )
        self.env.invalidate_all()

    def _load_sales(self, plan, anchor):
        """The history, through the governed order pipeline: the ``sales`` login
        creates the orders and submits them in the order they came in, the pipeline
        checks them, holds some and allocates and releases the others, credit control
        decides the holds (``models/demo_history.py``); then the orders the plan
        cancelled and never rejected are cancelled, the shipped ones are shipped, and
        everything is back-dated."""
        if not self.env.company.distribution_pipeline_enabled:
            raise ValueError(
                "the governed order pipeline is off: the history goes through it "
                "(stage governance turns it on)"
            )
        existing = {
            so.client_order_ref
            for so in self.env["sale.order"].search([("client_order_ref", "=like", "DN-SO-%")])
        }
        todo = [
            so
            for so in history_pipeline.submission_order(plan.sale_orders())
            if so.key not in existing
        ]
        if not todo:
            return False
        batch = todo[:BATCH]
        history = history_pipeline.HistoryPipeline(plan, BATCH)
        users = self._pipeline_users()
        customers = self._partners("DN-C")
        warehouses = self._warehouses()
        products = self._products({line.product for so in batch for line in so.lines})
        created = (
            self.env["sale.order"]
            .with_user(users["sales"])
            .create(
                [
                    {
                        "partner_id": customers[so.customer].id,
                        "client_order_ref": so.key,
                        "warehouse_id": warehouses[so.warehouse].id,
                        "commitment_date": self._at(anchor, so.ordered_days_ago - so.lead_days),
                        "order_line": [
                            (
                                0,
                                0,
                                {
                                    "product_id": products[line.product].id,
                                    "product_uom_qty": line.quantity,
                                    "price_unit": line.price_unit,
                                },
                            )
                            for line in so.lines
                        ],
                    }
                    for so in batch
                ]
            )
        )
        orders = created.with_env(self.env)
        by_key = {o.client_order_ref: o for o in orders}
        state_of = {so.key: so.state for so in batch}
        spell_logs = self._history_submit(history, batch, by_key, users)
        self._history_decide(batch, by_key, users)
        # cancelled by the customer after their release (the others credit control rejected)
        withdrawn = orders.filtered(
            lambda o: state_of[o.client_order_ref] == "cancelled" and o.state != "cancel"
        )
        if withdrawn:
            withdrawn.with_user(users["sales"]).action_cancel()
        shipped = orders.filtered(
            lambda o: state_of[o.client_order_ref] == "done" and o.state == "sale"
        )
        deliveries = shipped.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        deliveries.action_assign()
        deliverable = deliveries.filtered(lambda p: any(m.quantity > 0 for m in p.move_ids))
        deliverable.move_ids.filtered(lambda m: m.quantity > 0).picked = True
        deliverable.with_context(cancel_backorder=True)._action_done()
        # an order split across sites shipped what it could (as the backorders cancelled
        # above): a site that had nothing left for it by then never shipped its part
        (deliveries - deliverable).filtered(
            lambda p: p.sale_id in deliverable.sale_id
        ).action_cancel()
        self._backdate_sales(batch, by_key, anchor)
        self._backdate_history_pipeline(history, batch, by_key, anchor, spell_logs)
        _logger.info("demo network: %d sale orders (%d left)", len(batch), len(todo) - len(batch))
        return len(todo) > len(batch)

    def _load_governance(self, plan, anchor):
        """The demo shows the governed pipeline: on before the history, which goes
        through it."""
        self.env.company.distribution_pipeline_enabled = True
        return False

    def _load_credit_limits(self, plan, anchor):
        """Credit control sets the customers' credit limits once their history is in.

        The demo invoices nothing, so every order of the six months would count as
        exposure for ever: with their limits in force from the first day, the busiest
        customers would have exceeded theirs within days and had every later order
        held.  The history meets
        credit control through its on-hold spells and the checks' own holds instead
        (``engine/history_pipeline.py``); today's orders meet the limits."""
        credit = self._pipeline_users()["credit"]
        partners = self._partners("DN-C")
        by_limit = defaultdict(list)
        for customer in plan.customers():
            partner = partners.get(customer.key)
            if partner and customer.credit_limit and not partner.credit_limit:
                by_limit[customer.credit_limit].append(partner.id)
        for limit, ids in sorted(by_limit.items()):
            # as credit control: a governed change of the customers, logged
            self.env["res.partner"].browse(ids).with_user(credit).write({"credit_limit": limit})
        return False

    # Governed rule changes (distribution_approvals, when installed): on, with a
    # stricter margin floor in force at Rotterdam (within the enterprise's bounds,
    # so it shows in the conformance report), a proposal awaiting activation and the
    # month-end freeze of the change calendar.
    RULE_GOVERNANCE_USER = ("governance", "Gina Governance")
    RULE_PROPOSAL_REASON = "Peak season: more room on credit exposure for gold customers"

    def _load_rule_governance(self, plan, anchor):
        env = self.env
        if "distribution.rule.version" not in env:
            return False
        company = env.company
        Users = env["res.users"].with_context(no_reset_password=True)
        login, name = self.RULE_GOVERNANCE_USER
        approver = Users.search([("login", "=", login)], limit=1)
        if not approver:
            approver = Users.create(
                {
                    "login": login,
                    "password": login,
                    "name": name,
                    "email": f"{login}@meridian.example.com",
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "group_ids": [
                        (
                            6,
                            0,
                            [
                                env.ref("base.group_user").id,
                                env.ref("distribution_approvals.group_rule_approver").id,
                                env.ref(
                                    "distribution_orchestration.group_orchestration_manager"
                                ).id,
                            ],
                        )
                    ],
                }
            )
        if not company.distribution_rule_governance:
            company.with_user(approver).distribution_rule_governance = True
        Freeze = env["distribution.change.freeze"]
        if not Freeze.search_count(
            [("company_id", "=", company.id), ("name", "=", "Month-end close")]
        ):
            first_next = (anchor.replace(day=1) + timedelta(days=32)).replace(
                day=1, hour=0, minute=0, second=0
            )
            Freeze.create(
                {
                    "name": "Month-end close",
                    "company_id": company.id,
                    "date_from": first_next - timedelta(days=1),
                    "date_to": first_next + timedelta(days=2) - timedelta(seconds=1),
                    "reason": "Finance closes the month: no rule change takes effect.",
                }
            )
        Check = env["distribution.check"].with_context(active_test=False)
        Version = env["distribution.rule.version"]
        rtm = self._warehouses()["RTM"]
        site_margin = Check.search(
            [
                ("company_id", "=", company.id),
                ("code", "=", "min_margin"),
                ("warehouse_id", "=", rtm.id),
            ],
            limit=1,
        )
        if not site_margin:
            enterprise = Check.search(
                [
                    ("company_id", "=", company.id),
                    ("code", "=", "min_margin"),
                    ("warehouse_id", "=", False),
                ],
                limit=1,
            )
            site_margin = Check.create(
                {
                    "code": "min_margin",
                    "company_id": company.id,
                    "warehouse_id": rtm.id,
                    "min_margin_pct": (enterprise.min_margin_pct or 10.0) + 5.0,
                    "resolver_group_id": enterprise.resolver_group_id.id or False,
                }
            )
            draft = Version.search(
                [
                    ("rule_model", "=", "distribution.check"),
                    ("rule_id", "=", site_margin.id),
                    ("state", "=", "draft"),
                ]
            )
            frozen = env["distribution.change.freeze"]._covering(
                company, rtm, fields.Datetime.now()
            )
            if draft and not frozen:  # inside a freeze it waits, as any change would
                draft.reason = "Rotterdam serves hospitals on thin contracts: a higher margin floor"
                draft.with_user(approver).action_activate()
        credit = Check.search(
            [
                ("company_id", "=", company.id),
                ("code", "=", "credit_limit"),
                ("warehouse_id", "=", False),
            ],
            limit=1,
        )
        if credit and not Version.search_count([("reason", "=", self.RULE_PROPOSAL_REASON)]):
            Version._propose(
                credit,
                [[("tolerance_pct", f"{credit.tolerance_pct + 5.0:g}")]],
                reason=self.RULE_PROPOSAL_REASON,
            )
        return False

    def _backdate_sales(self, batch, by_key, anchor):
        order_rows, transfers = [], []
        for item in batch:
            order = by_key[item.key]
            ordered = self._at(anchor, item.ordered_days_ago)
            promised = ordered + timedelta(days=item.lead_days)
            # delivered on the promised day, unless late (or a little early)
            order_rows.append((order.id, ordered, promised))
            transfers.append(
                (order.picking_ids, promised, promised + timedelta(days=item.delay_days))
            )
        self._backdate_orders(
            "sale_order", order_rows, ("date_order", "commitment_date"), transfers
        )
