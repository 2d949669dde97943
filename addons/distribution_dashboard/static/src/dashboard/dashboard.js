import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

// The operations dashboard: one data call (distribution.dashboard.get_dashboard_data,
// role-aware on the server), tiles with value / target / trend, a bar per site with its
// variance against the network median, and every tile and bar opening its records.
export class DistributionDashboard extends Component {
    static template = "distribution_dashboard.Dashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null, grain: "week", segment: false, selected: null });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call("distribution.dashboard", "get_dashboard_data", [
            this.state.grain,
            8,
            this.state.segment || false,
        ]);
        if (!this.state.selected && this.state.data.tiles.length) {
            this.state.selected = this.state.data.tiles[0].code;
        }
    }

    async setSegment(ev) {
        this.state.segment = ev.target.value || false;
        await this.load();
    }

    async setGrain(grain) {
        this.state.grain = grain;
        await this.load();
    }

    format(value, unit) {
        if (value === null || value === undefined || value === false) {
            return "–";
        }
        const rounded = Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
        return unit === "%" ? `${rounded} %` : `${rounded} ${unit}`;
    }

    trendBars(tile) {
        const known = tile.trend.filter((v) => v !== null);
        const max = Math.max(...known, 1e-9);
        return tile.trend.map((v, index) => ({
            index,
            height: v === null ? 0 : Math.max(4, Math.round((28 * v) / max)),
        }));
    }

    get siteRows() {
        const data = this.state.data;
        if (!data || !this.state.selected) {
            return [];
        }
        const block = data.by_site[this.state.selected];
        const known = block.sites.map((s) => Math.abs(s.value || 0));
        const max = Math.max(...known, 1e-9);
        return block.sites.map((s) => ({
            ...s,
            width: s.value === null ? 0 : Math.max(2, Math.round((100 * Math.abs(s.value)) / max)),
        }));
    }

    get selectedTile() {
        return this.state.data?.tiles.find((t) => t.code === this.state.selected);
    }

    select(code) {
        this.state.selected = code;
    }

    async open(code, warehouseId = false) {
        const action = await this.orm.call("distribution.dashboard", "action_open_kpi", [
            code,
            this.state.grain,
            this.state.data.current_period,
            warehouseId,
            this.state.segment || false,
        ]);
        await this.action.doAction(action);
    }
}

registry.category("actions").add("distribution_dashboard", DistributionDashboard);
