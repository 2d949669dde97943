from . import coldchain_excursion_rule
