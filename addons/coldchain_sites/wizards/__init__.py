from . import coldchain_disposition_wizard
