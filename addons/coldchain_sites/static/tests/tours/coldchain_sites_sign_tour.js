import { registry } from "@web/core/registry";

// Quality signs a disposition on a held lot: a wrong password is refused (the
// dialog stays open), the right one signs and opens the disposition.
// The passwords are assembled here so that the test bundle holding this file does
// not contain them: the test then searches the whole database for them.
const WRONG_PASSWORD = ["Wrong", "Tour", "Guess", "4821"].join("-");
const PASSWORD = ["Tour", "Sign", "Pass", "7305"].join("-");
registry.category("web_tour.tours").add("coldchain_sites_sign_tour", {
    steps: () => [
        {
            content: "The lot is on cold-chain hold",
            trigger: ".o_form_view .ribbon:contains('Cold-chain hold')",
        },
        {
            content: "Sign a disposition",
            trigger: '.o_form_view .o_statusbar_buttons button[name="action_coldchain_disposition"]',
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal .o_field_widget[name='reason'] textarea",
            run: "edit Stability data cover the excursion",
        },
        {
            content: "Type a wrong password",
            trigger: ".modal .o_field_widget[name='password'] input[type='password']",
            run: `edit ${WRONG_PASSWORD}`,
        },
        {
            content: "Sign",
            trigger: ".modal button.o_coldchain_sign",
            run: "click",
        },
        {
            content: "The wrong password is refused",
            trigger: ".o_error_dialog:contains('Wrong password')",
        },
        {
            content: "Close the error",
            trigger: ".o_error_dialog button.o-default-button",
            run: "click",
        },
        {
            content: "Type the right password",
            trigger: ".modal .o_field_widget[name='password'] input[type='password']",
            run: `edit ${PASSWORD}`,
        },
        {
            content: "Sign again",
            trigger: ".modal button.o_coldchain_sign",
            run: "click",
        },
        {
            content: "The signed disposition opens",
            trigger: ".o_form_view .o_field_widget[name='signed_by']:contains('Tour Quality')",
        },
    ],
});
