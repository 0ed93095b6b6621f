import sys

from services.directory.api import build_api
from services.directory.bootstrap import NAME, build_runtime
from shared.service_main import main

sys.exit(main(NAME, build_runtime, build_api))
