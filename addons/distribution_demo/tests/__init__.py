from . import test_demo_network, test_demo_pipeline, test_hostile_demo_roles
