"""19.0.1.1.0: silences cancelled by late readings are marked ``cancelled`` (they
were only closed), and lose the "acknowledge" to-do their alert had scheduled.

A cancelled silence is the only excursion closed without a closing user: closing
by hand (``action_close``) always records who and when."""


def migrate(cr, version):
    cr.execute(
        """
        UPDATE coldchain_excursion SET cancelled = true
        WHERE category = 'monitoring_lost' AND state = 'closed' AND closed_at IS NULL
              AND "end" IS NULL AND cancelled IS NOT TRUE
        RETURNING id
        """
    )
    ids = [row[0] for row in cr.fetchall()]
    if ids:
        cr.execute(
            """
            DELETE FROM mail_activity
            WHERE res_model = 'coldchain.excursion' AND res_id = ANY(%s)
              AND activity_type_id IN (
                  SELECT res_id FROM ir_model_data
                  WHERE module = 'mail' AND name = 'mail_activity_data_todo')
            """,
            [ids],
        )
