import { Component, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useBus, useService } from "@web/core/utils/hooks";

// What green/amber/red mean depends on what was scanned (models/coldchain_scan.py)
const STATUS_LABELS = {
    lot: {
        green: _t("OK: no exposure"),
        amber: _t("Exposed, not on hold"),
        red: _t("On hold: act now"),
    },
    package: {
        green: _t("OK: no exposure"),
        amber: _t("Exposed lot(s), none on hold"),
        red: _t("Lot(s) on hold: act now"),
    },
    location: {
        green: _t("In range"),
        amber: _t("Check: excursions not closed"),
        red: _t("Excursion now: act now"),
    },
};

const KIND_LABELS = {
    lot: _t("Lot / serial number"),
    package: _t("Package"),
    location: _t("Location"),
};

/**
 * Cold-chain scan screen (client action ``coldchain_sites.scan_screen``), sized for
 * a phone: scan (barcodes service) or type a lot/serial, package or location and
 * see its status with why; act when allowed.  Every action is checked on the
 * server (governed actions): the buttons are a convenience, not the permission.
 */
export class ScanScreen extends Component {
    static template = "coldchain_sites.ScanScreen";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.barcode = useService("barcode");
        this.state = useState({ result: null, input: "", busy: false, note: "" });
        this.statusLabels = STATUS_LABELS;
        this.kindLabels = KIND_LABELS;
        useBus(this.barcode.bus, "barcode_scanned", (ev) => this.scan(ev.detail.barcode));
    }

    async scan(barcode) {
        if (!barcode) {
            return;
        }
        this.state.busy = true;
        try {
            const result = await this.orm.call("coldchain.scan", "scan", [barcode]);
            result.barcode = barcode;
            this.state.result = result;
        } finally {
            this.state.busy = false;
        }
    }

    onSubmit(ev) {
        ev.preventDefault();
        const code = this.state.input.trim();
        this.state.input = "";
        this.scan(code);
    }

    async acknowledge(excursion) {
        await this.orm.call("coldchain.excursion", "action_acknowledge", [[excursion.id]]);
        this.notification.add(_t("%s acknowledged", excursion.name), { type: "success" });
        await this.scan(this.state.result.barcode);
    }

    async quarantine() {
        const result = this.state.result;
        await this.orm.call("stock.lot", "action_coldchain_quarantine", [[result.id]]);
        this.notification.add(_t("%s moved into quarantine", result.name), { type: "success" });
        await this.scan(this.state.result.barcode);
    }

    async confirmCheck() {
        const result = this.state.result;
        await this.orm.call("coldchain.zone.check", "confirm", [result.id, this.state.note]);
        this.state.note = "";
        this.notification.add(_t("Zone check of %s recorded", result.name), { type: "success" });
        this.state.checked = result.id;
    }
}

registry.category("actions").add("coldchain_sites.scan_screen", ScanScreen);
