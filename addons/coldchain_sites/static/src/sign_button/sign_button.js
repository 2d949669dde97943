import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

// Context key of the signing call carrying the typed password (the wizard's
// PASSWORD_CONTEXT_KEY).
export const PASSWORD_CONTEXT_KEY = "coldchain_sites_signature_password";

/**
 * The Sign button of coldchain.disposition.wizard.
 *
 * It takes the password typed in the read-only ``password`` field (see
 * SignaturePasswordField), saves the wizard (the web client leaves read-only fields
 * out, so the password is not sent), then calls ``action_sign`` with the password
 * in the call's context only.  Saving reloads the wizard, which empties the
 * password input: after a refusal the user types it again.
 */
export class SignButton extends Component {
    static template = "coldchain_sites.SignButton";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
    }

    async onClick() {
        const record = this.props.record;
        const password = record.data.password || "";
        if (!(await record.save())) {
            return; // invalid fields: the form shows them
        }
        const action = await this.orm.call(record.resModel, "action_sign", [[record.resId]], {
            context: { ...record.context, [PASSWORD_CONTEXT_KEY]: password },
        });
        await this.action.doAction(action);
    }
}

registry.category("view_widgets").add("coldchain_sign_button", { component: SignButton });
