import { Component, markup, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

// Notification sent by the 5-minute series refresh (models/coldchain_dashboard.py):
// its payload carries site ids only; the data is read again through the ORM.
export const BUS_TYPE = "coldchain_sites/readings";

const STATUS_LABELS = {
    normal: _t("Normal"),
    excursion: _t("Excursion"),
    monitoring_lost: _t("Monitoring lost"),
    offline_gateway: _t("Gateway offline"),
};

/**
 * Site monitoring dashboard (client action ``coldchain_sites.site_dashboard``).
 *
 * One tile per site the user may see, the SLA figures per service tier, and a zone
 * view: 24 h charts (built on the server as SVG from the 5-minute series, band drawn,
 * excursions shaded) and the period summary of each sensor.  New readings arrive as
 * bus notifications; the dashboard then reloads what is on screen.
 */
export class SiteDashboard extends Component {
    static template = "coldchain_sites.SiteDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.busService = useService("bus_service");
        this.state = useState({
            data: null,
            zone: null,
            zoneId: null,
            liveUpdates: 0,
            lastUpdate: null,
        });
        this.statusLabels = STATUS_LABELS;
        this.onReadings = (payload) => this.onBusReadings(payload);
        onWillStart(async () => {
            await this.load();
            this.busService.subscribe(BUS_TYPE, this.onReadings);
            this.busService.start();
        });
        onWillUnmount(() => this.busService.unsubscribe(BUS_TYPE, this.onReadings));
    }

    async load() {
        this.state.data = await this.orm.call("coldchain.dashboard", "get_dashboard_data", []);
        if (this.state.zoneId) {
            await this.loadZone(this.state.zoneId);
        }
    }

    async loadZone(zoneId) {
        // the chart's time axis in the zone the web client shows times in
        const tz = luxon.DateTime.local().zoneName;
        const zone = await this.orm.call("coldchain.dashboard", "get_zone_data", [zoneId], {
            tz,
        });
        for (const chart of zone.charts || []) {
            // SVG built and escaped by the server's chart engine (engine/svg_chart.py)
            chart.markup = markup(chart.svg);
        }
        for (const excursion of zone.excursions || []) {
            excursion.startLabel = this.when(excursion.start);
            excursion.endLabel = excursion.end ? this.when(excursion.end) : _t("ongoing");
        }
        this.state.zoneId = zoneId;
        this.state.zone = zone;
    }

    async onBusReadings(payload) {
        const visible = new Set((this.state.data?.sites || []).map((site) => site.id));
        if (!(payload.site_ids || []).some((id) => visible.has(id))) {
            return;
        }
        this.state.liveUpdates++;
        this.state.lastUpdate = new Date().toLocaleTimeString();
        await this.load();
    }

    closeZone() {
        this.state.zoneId = null;
        this.state.zone = null;
    }

    openExcursions(site) {
        this.action.doAction({
            type: "ir.actions.act_window",
            name: _t("Open excursions: %s", site.name),
            res_model: "coldchain.excursion",
            views: [
                [false, "list"],
                [false, "form"],
            ],
            domain: [
                ["warehouse_id", "=", site.id],
                ["state", "!=", "closed"],
            ],
        });
    }

    fmt(value, digits = 1) {
        return value === null || value === undefined || value === false
            ? "–"
            : Number(value).toFixed(digits);
    }

    pct(value) {
        return value === null || value === undefined ? "–" : `${Number(value).toFixed(2)} %`;
    }

    when(value) {
        return formatDateTime(deserializeDateTime(value));
    }

    hours(seconds) {
        return `${(seconds / 3600).toFixed(1)} h`;
    }
}

registry.category("actions").add("coldchain_sites.site_dashboard", SiteDashboard);
