import { registry } from "@web/core/registry";

// What each demo login finds first (README, "Demo logins"), on the demo network.

registry.category("web_tour.tours").add("demo_sales_pipeline_tour", {
    steps: () => [
        ...["On Hold", "Allocated", "Released", "Partially Shipped"].map((stage) => ({
            content: `Orders wait in the ${stage} column`,
            trigger: `.o_kanban_group:has(.o_column_title:contains('${stage}')) .o_kanban_record`,
        })),
        {
            content: "An order on hold says why",
            trigger: ".o_kanban_group:has(.o_column_title:contains('On Hold')) .o_kanban_record",
            run: "click",
        },
        {
            content: "The order says why it waits and until when",
            trigger: ".o_form_view .alert:contains('On hold'):contains('decision expected by')",
        },
    ],
});

registry.category("web_tour.tours").add("demo_credit_hold_tour", {
    steps: () => [
        {
            content: "A credit hold waits for the credit controller, who may release it",
            trigger: ".o_list_view .o_data_row:has(td:contains('Credit exposure')) button[name='action_release']",
        },
        {
            content: "Open it",
            trigger: ".o_list_view .o_data_row:has(td:contains('Credit exposure')) td[name='explanation']",
            run: "click",
        },
        {
            content: "The hold explains the exposure and can be released",
            trigger: ".o_form_view:has(.o_field_widget[name='explanation']:contains('Credit exposure')) button[name='action_release']:visible",
        },
    ],
});

registry.category("web_tour.tours").add("demo_warehouse_live_tour", {
    steps: () => [
        {
            content: "Rotterdam's tile is on the site monitoring screen",
            trigger: ".o_coldchain_tile:contains('Rotterdam Hub')",
        },
        {
            content: "Open Rotterdam's chilled zone",
            trigger: ".o_coldchain_tile:contains('Rotterdam Hub') .o_coldchain_zone_btn:contains('Chilled')",
            run: "click",
        },
        {
            content: "The zone's chart is drawn with its band",
            trigger: ".o_coldchain_zone .o_coldchain_chart_box svg rect.band",
        },
        {
            content: "Live readings arrive within a minute: the zone is out of band",
            trigger: ".o_coldchain_tile:contains('Rotterdam Hub') .o_coldchain_temp.text-danger",
            timeout: 60000,
        },
        {
            content: "The dashboard counted the live update",
            trigger: ".o_coldchain_live:contains('update')",
        },
    ],
});

registry.category("web_tour.tours").add("demo_quality_disposition_tour", {
    steps: () => [
        {
            content: "An acknowledged excursion waits for its disposition",
            trigger: ".o_kanban_group:has(.o_column_title:contains('Acknowledged')) .o_kanban_record",
            run: "click",
        },
        {
            content: "Its exposed lots are on hold until a signed disposition",
            trigger: ".o_form_view button[name='action_view_exposure']:visible",
        },
    ],
});

registry.category("web_tour.tours").add("demo_integration_parked_tour", {
    steps: () => [
        {
            content: "A parked exchange needs attention",
            trigger: ".o_list_view .o_data_row:has(td:contains('Parked')) td[name='name']",
            run: "click",
        },
        {
            content: "It says why and can be reprocessed",
            trigger: ".o_form_view button[name='action_reprocess']:visible",
        },
    ],
});
