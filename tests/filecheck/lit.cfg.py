import os

import lit.formats

config.name = "stratum"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".py"]
config.excludes = ["lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
# Profiles and kernels go to a throwaway cache, never the user's.
config.environment["STRATUM_CACHE_DIR"] = os.path.join(config.test_source_root, "Output", "cache")
config.environment["PATH"] = os.environ["PATH"]
# The checkout under test (a worktree sets PYTHONPATH to itself): lit passes
# only the environment named here to the RUN lines.
if "PYTHONPATH" in os.environ:
    config.environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
