import { registry } from "@web/core/registry";

// An executive opens the operations dashboard and drills down from the cycle-time tile
// to the orders behind it.
registry.category("web_tour.tours").add("distribution_dashboard_drilldown_tour", {
    url: "/odoo/action-distribution_dashboard.distribution_dashboard_action",
    steps: () => [
        {
            content: "The dashboard shows the cycle-time tile with a value",
            trigger: ".o_dd_tile[data-kpi='cycle_median_h'] .o_dd_value:not(:contains('–'))",
        },
        {
            content: "Select the tile: the per-site chart lists the tour's site",
            trigger: ".o_dd_tile[data-kpi='cycle_median_h']",
            run: "click",
        },
        {
            content: "The site is in the per-site comparison",
            trigger: ".o_dd_sites td:contains('Tour Dashboard Site')",
        },
        {
            content: "Open the records behind the tile",
            trigger: ".o_dd_tile[data-kpi='cycle_median_h'] .o_dd_open",
            run: "click",
        },
        {
            content: "The order behind the figure is listed",
            trigger: ".o_list_view .o_data_cell:contains('Tour Dashboard Customer')",
        },
    ],
});
