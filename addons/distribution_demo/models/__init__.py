from . import demo_network
