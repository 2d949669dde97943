from . import distribution_hold_reject_wizard
