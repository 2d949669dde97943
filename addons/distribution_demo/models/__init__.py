from . import demo_network, demo_pipeline
