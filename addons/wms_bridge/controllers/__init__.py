from . import inbound
