import os

from hypothesis import HealthCheck, settings

# CI runs a bounded number of examples; locally `HYPOTHESIS_PROFILE=dev` digs deeper.
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=400, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Verify the IR after every compilation in tests, including the subprocesses
# (stratumc) they start: a pass that breaks an invariant fails loudly here.
os.environ.setdefault("STRATUM_VERIFY", "1")
import stratum.driver  # noqa: E402

stratum.driver.VERIFY = True
