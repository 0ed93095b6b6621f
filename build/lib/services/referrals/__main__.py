import sys

from services.referrals.api import build_api
from services.referrals.bootstrap import NAME, build_runtime
from shared.service_main import main

sys.exit(main(NAME, build_runtime, build_api))
