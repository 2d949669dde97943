import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A cold-chain operator opens the Cold Chain app, finds the monitored zones, then a
// sensor of a zone and its readings chart.
registry.category("web_tour.tours").add("coldchain_sites_apps_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("coldchain_sites.coldchain_sites_menu_root", "Open the Cold Chain app"),
        {
            content: "Open the Sites menu",
            trigger: 'button[data-menu-xmlid="coldchain_sites.coldchain_sites_menu_sites"]',
            run: "click",
        },
        {
            content: "Open the zones",
            trigger: 'a[data-menu-xmlid="coldchain_sites.coldchain_sites_menu_zones"]',
            run: "click",
        },
        {
            content: "The test cold zone is listed",
            trigger: ".o_list_view .o_data_cell:contains('Tour Cold Room')",
        },
        {
            content: "Open the Sites menu again",
            trigger: 'button[data-menu-xmlid="coldchain_sites.coldchain_sites_menu_sites"]',
            run: "click",
        },
        {
            content: "Open the sensors",
            trigger: 'a[data-menu-xmlid="coldchain_sites.coldchain_sensor_menu"]',
            run: "click",
        },
        {
            content: "Open the tour sensor",
            trigger: ".o_list_view .o_data_cell:contains('Tour Sensor')",
            run: "click",
        },
        {
            content: "Its calibration has expired (never calibrated)",
            trigger: ".o_form_view .ribbon:contains('Calibration expired')",
        },
        {
            content: "Open its readings",
            trigger: 'button[name="action_view_readings"]',
            run: "click",
        },
        {
            content: "The per-sensor chart opens",
            trigger: ".o_graph_view",
        },
    ],
});
