import { registry } from "@web/core/registry";

/** Type ``code`` as a barcode scanner does: fast keydowns on the page, then Enter. */
function scan(code) {
    for (const key of code) {
        document.body.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
    }
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
}

// On a phone-sized screen, a warehouse operator scans a held lot (red, why), moves it
// into quarantine, scans a zone in excursion (red), acknowledges its alert and
// confirms a zone check, then scans a lot with no exposure (green).
registry.category("web_tour.tours").add("coldchain_scan_tour", {
    url: "/odoo/action-coldchain_sites.coldchain_scan_screen_action",
    steps: () => [
        {
            content: "The scan screen waits for a scan",
            trigger: ".o_coldchain_scan_idle",
            run: () => scan("SCAN-HELD"),
        },
        {
            content: "The held lot is red, with why",
            trigger:
                ".o_coldchain_scan_red .o_coldchain_scan_name:contains('SCAN-HELD'), .o_coldchain_scan_red .o_coldchain_scan_reasons:contains('On cold-chain hold')",
        },
        {
            content: "Move it into quarantine",
            trigger: ".o_coldchain_scan_red .o_coldchain_scan_quarantine",
            run: "click",
        },
        {
            content: "It now lies in the site's quarantine location",
            trigger: ".o_coldchain_scan_result:contains('TSA/Stock/Quarantine')",
            run: () => scan("SCAN-ZONE"),
        },
        {
            content: "The zone in excursion is red",
            trigger: ".o_coldchain_scan_red .o_coldchain_scan_reasons:contains('Excursion in progress')",
        },
        {
            content: "Acknowledge its first alert",
            trigger: ".o_coldchain_scan_ack:first",
            run: "click",
        },
        {
            content: "Acknowledged: the screen says so",
            trigger: ".o_notification:contains('acknowledged')",
        },
        {
            content: "Note the check",
            trigger: ".o_coldchain_scan_note",
            run: "edit Door closed, alarm heard",
        },
        {
            content: "Confirm the zone check",
            trigger: ".o_coldchain_scan_check",
            run: "click",
        },
        {
            content: "The check is recorded",
            trigger: ".o_coldchain_scan_checked",
            run: () => scan("SCAN-CLEAN"),
        },
        {
            content: "A lot without exposure is green",
            trigger: ".o_coldchain_scan_green .o_coldchain_scan_name:contains('SCAN-CLEAN')",
        },
    ],
});
