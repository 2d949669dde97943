from . import demo_network  # isort: split

from . import demo_coldchain, demo_pipeline, demo_wms
