import { registry } from "@web/core/registry";

// The remote operations team watches a site: its tile shows the zone at 5.0 °C; the
// operator opens the zone; a reading of 9.5 °C then arrives (the test inserts it and
// runs the 5-minute series refresh, which notifies through the bus) and the tile and
// the zone update without a reload.
registry.category("web_tour.tours").add("coldchain_site_dashboard_tour", {
    url: "/odoo/action-coldchain_sites.coldchain_site_dashboard_action",
    steps: () => [
        {
            content: "The dashboard shows the tour site, normal, its zone at 5.0 °C",
            trigger:
                ".o_coldchain_tile.o_coldchain_status_normal:contains('Tour dashboard site') .o_coldchain_temp:contains('5.0')",
        },
        {
            content: "The SLA table lists the tour tier",
            trigger: ".o_coldchain_sla td:contains('Tour tier')",
        },
        {
            content: "Open the zone",
            trigger: ".o_coldchain_tile:contains('Tour dashboard site') .o_coldchain_zone_btn",
            run: "click",
        },
        {
            content: "The zone's 24 h chart is drawn with its band",
            trigger: ".o_coldchain_zone .o_coldchain_chart_box svg rect.band",
        },
        {
            content: "A live reading arrives through the bus: the tile shows 9.5 °C, out of band",
            trigger:
                ".o_coldchain_tile:contains('Tour dashboard site') .o_coldchain_temp.text-danger:contains('9.5')",
            timeout: 20000,
        },
        {
            content: "The dashboard counted the live update",
            trigger: ".o_coldchain_live:contains('update')",
        },
        {
            content: "The zone's summary shows the new maximum",
            trigger: ".o_coldchain_summary td:contains('9.5')",
        },
    ],
});
