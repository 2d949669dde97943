from . import demo_network  # isort: split

from . import demo_coldchain, demo_history, demo_pipeline, demo_wms
