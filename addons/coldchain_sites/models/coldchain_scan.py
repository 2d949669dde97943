"""Scan screen: a barcode's cold-chain status (green / amber / red, with why).

Lookups go through the ORM as the scanning user: a lot, package or location of a
site the user may not see is "unknown", like a barcode that matches nothing.

* lot: red when on cold-chain hold (with the excursions that held it); amber when
  it was exposed to an excursion that did not put it at risk (its own storage range
  tolerates it, or the rule's severity is not "product at risk"), was released with
  restriction, or lies in a zone in excursion now; green otherwise;
* package: the worst status of its lots;
* location: red while an excursion is ongoing in the zone (or its temperature is out
  of band now), amber for excursions not closed yet or monitoring lost, green
  otherwise.
"""

from odoo import api, models

from .governance import GROUP_OPERATOR, GROUP_QUALITY, check_group

RANK = {"green": 0, "amber": 1, "red": 2}


class ColdchainScan(models.AbstractModel):
    _name = "coldchain.scan"
    _description = "Cold-chain scan screen"

    @api.model
    def scan(self, barcode):
        check_group(self.env, GROUP_OPERATOR, self.env._("The cold-chain scan screen"))
        code = (barcode or "").strip()
        if not code:
            return {"kind": "unknown", "barcode": code}
        lot = self.env["stock.lot"].search([("name", "=", code)], limit=1)
        if lot:
            return self._lot_result(lot)
        package = self.env["stock.package"].search([("name", "=", code)], limit=1)
        if package:
            return self._package_result(package)
        location = self.env["stock.location"].search(
            ["|", ("barcode", "=", code), ("complete_name", "=", code)], limit=1
        )
        if location:
            return self._location_result(location)
        return {
            "kind": "unknown",
            "barcode": code,
            "reasons": [self.env._("No lot, package or location has this barcode.")],
        }

    # ------------------------------------------------------------------ lots
    def _lot_status(self, lot):
        reasons = []
        exposures = lot.coldchain_exposure_ids
        if lot.coldchain_hold:
            held_by = exposures.filtered("hold").excursion_id
            reasons.append(
                self.env._(
                    "On cold-chain hold: exposed to %(names)s with product at risk; "
                    "quality must sign a disposition.",
                    names=", ".join(held_by.mapped("name")) or "an excursion",
                )
            )
            return "red", reasons
        status = "green"
        if exposures:
            status = "amber"
            names = ", ".join(exposures.excursion_id.mapped("name"))
            if all(exposures.mapped("tolerant")):
                reasons.append(
                    self.env._(
                        "Exposed to %(names)s, tolerated: within its own storage range.",
                        names=names,
                    )
                )
            else:
                reasons.append(
                    self.env._("Exposed to %(names)s, not at product risk: no hold.", names=names)
                )
        if lot.coldchain_use_before:
            status = "amber"
            reasons.append(
                self.env._(
                    "Released with restriction: use before %(date)s.", date=lot.coldchain_use_before
                )
            )
        zones = self._lot_locations(lot)
        ongoing = (
            self.env["coldchain.excursion"].search(
                [
                    ("location_id", "parent_of", zones.ids),
                    ("is_open", "=", True),
                    ("category", "=", "excursion"),
                ]
            )
            if zones
            else self.env["coldchain.excursion"]
        )
        if ongoing:
            status = "amber"
            reasons.append(
                self.env._(
                    "Its zone is in excursion now (%(names)s).",
                    names=", ".join(ongoing.mapped("name")),
                )
            )
        if status == "green":
            reasons.append(self.env._("No exposure on record."))
        return status, reasons

    def _lot_locations(self, lot):
        quants = self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("quantity", ">", 0), ("location_id.usage", "=", "internal")]
        )
        return quants.location_id

    def _lot_result(self, lot):
        status, reasons = self._lot_status(lot)
        quants = self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("quantity", ">", 0), ("location_id.usage", "=", "internal")]
        )
        open_excursions = lot.coldchain_exposure_ids.excursion_id.filtered(
            lambda e: e.state == "open"
        )
        return {
            "kind": "lot",
            "id": lot.id,
            "name": lot.name,
            "product": lot.product_id.display_name,
            "status": status,
            "reasons": reasons,
            "where": [
                {
                    "location": q.location_id.display_name,
                    "quantity": q.quantity,
                    "uom": q.product_uom_id.name,
                }
                for q in quants
            ],
            "excursions": [{"id": e.id, "name": e.name} for e in open_excursions],
            "can_quarantine": bool(quants) and self._can_quarantine(),
        }

    def _can_quarantine(self):
        return self.env.user.has_group(GROUP_OPERATOR)

    # -------------------------------------------------------------- packages
    def _package_result(self, package):
        lots = package.contained_quant_ids.lot_id
        worst, reasons = "green", []
        for lot in lots:
            status, why = self._lot_status(lot)
            if RANK[status] > RANK[worst]:
                worst = status
            if status != "green":
                reasons += [f"{lot.name}: {w}" for w in why]
        if not reasons:
            reasons.append(self.env._("No lot of this package was exposed."))
        return {
            "kind": "package",
            "id": package.id,
            "name": package.name,
            "status": worst,
            "reasons": reasons,
            "lots": [{"id": lot.id, "name": lot.name} for lot in lots],
            "where": [{"location": package.location_id.display_name}],
        }

    # ------------------------------------------------------------- locations
    def _location_status(self, zone):
        profile = zone.coldchain_profile_id
        sensors = self.env["coldchain.sensor"].search(
            [
                ("location_id", "=", zone.id),
                ("kind", "=", "temperature"),
                ("state", "!=", "retired"),
            ]
        )
        temperature = None
        if sensors:
            self.env.cr.execute(
                """
                SELECT DISTINCT ON (sensor_id) sensor_id, value FROM coldchain_reading
                WHERE sensor_id = ANY(%s) ORDER BY sensor_id, ts DESC
                """,
                [sensors.ids],
            )
            values = [v for _s, v in self.env.cr.fetchall()]
            if values and profile:
                temperature = max(
                    values, key=lambda t: max(t - profile.temp_max, profile.temp_min - t)
                )
            elif values:
                temperature = max(values)
        excursions = self.env["coldchain.excursion"].search(
            [("location_id", "=", zone.id), ("state", "!=", "closed")], order="start desc"
        )
        ongoing = excursions.filtered(lambda e: e.is_open and e.category == "excursion")
        status, reasons = "green", []
        if ongoing:
            status = "red"
            reasons.append(
                self.env._(
                    "Excursion in progress: %(names)s.", names=", ".join(ongoing.mapped("name"))
                )
            )
        if (
            temperature is not None
            and profile
            and not profile.temp_min <= temperature <= profile.temp_max
        ):
            status = "red"
            reasons.append(
                self.env._(
                    "%(t).1f °C now, outside %(lo)g … %(hi)g °C.",
                    t=temperature,
                    lo=profile.temp_min,
                    hi=profile.temp_max,
                )
            )
        rest = excursions - ongoing
        if rest:
            status = "red" if status == "red" else "amber"
            reasons.append(self.env._("%(n)s excursion(s) not closed yet.", n=len(rest)))
        if not profile:
            reasons.append(self.env._("This location is not a monitored zone."))
        elif status == "green":
            reasons.append(self.env._("In range, no open excursion."))
        return {
            "status": status,
            "reasons": reasons,
            "temperature": temperature,
            "excursions": [{"id": e.id, "name": e.name, "state": e.state} for e in excursions],
        }

    def _location_result(self, location):
        result = self._location_status(location)
        profile = location.coldchain_profile_id
        return {
            "kind": "location",
            "id": location.id,
            "name": location.display_name,
            "profile": profile.display_name or "",
            "can_check": bool(profile),
            **result,
        }

    @api.model
    def can_sign(self):
        return self.env.user.has_group(GROUP_QUALITY)
