import { registry } from "@web/core/registry";

// The sales user confirms the order: it goes on credit hold.
registry.category("web_tour.tours").add("distribution_orchestration_credit_hold_tour", {
    steps: () => [
        {
            content: "Confirm the order",
            trigger: ".o_form_view button[name='action_confirm']:visible",
            run: "click",
        },
        {
            content: "The order is on hold, and the user is told why",
            trigger: ".alert-warning:contains('On hold for review (Credit exposure')",
        },
        {
            content: "The orchestration status bar shows On Hold",
            trigger: "div[name='distribution_statusbar'] .o_arrow_button_current:contains('On Hold')",
        },
    ],
});

// The credit controller releases the hold from the holds to resolve.
registry.category("web_tour.tours").add("distribution_orchestration_release_hold_tour", {
    steps: () => [
        {
            content: "The hold of the Tour Pharmacy order waits for credit control",
            trigger: ".o_data_row:contains('Tour Pharmacy'):contains('Credit exposure')",
        },
        {
            content: "Release it",
            trigger: ".o_data_row:contains('Tour Pharmacy') button[name='action_release']",
            run: "click",
        },
        {
            content: "Nothing left to resolve",
            trigger: ".o_list_view:not(:has(.o_data_row))",
        },
    ],
});
