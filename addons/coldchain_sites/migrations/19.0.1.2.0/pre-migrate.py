"""19.0.1.2.0: the excursion alert is written in the on-call contacts' language and
says what happened (the excursion's explanation, rendered in the reader's language).

The alert's mail template is ``noupdate`` data: it is refreshed from this version's
file only if nobody edited it since it was installed (an edited template keeps its
text and gets only the language, in post-migrate.py)."""

TEMPLATE = "coldchain_excursion_mail_template_alert"


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE ir_model_data d SET noupdate = false
          FROM mail_template t
         WHERE d.module = 'coldchain_sites' AND d.name = %s AND d.model = 'mail.template'
           AND t.id = d.res_id AND t.write_date <= t.create_date + interval '1 second'
        """,
        [TEMPLATE],
    )
