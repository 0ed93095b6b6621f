import sys

from services.casework.api import build_api
from services.casework.bootstrap import NAME, build_runtime
from shared.service_main import main

sys.exit(main(NAME, build_runtime, build_api))
