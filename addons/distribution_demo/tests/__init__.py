from . import test_demo_network
