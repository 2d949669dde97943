from . import settings
from .exceptions import PermanentTransportError, TransientTransportError, WmsMappingError
