from . import test_excursion_rule_versions
