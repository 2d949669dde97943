import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A cold-chain operator opens the Cold Chain app and finds the monitored zones.
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
    ],
});
