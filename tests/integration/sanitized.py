"""Runs one test module as `python -m unittest -v MODULE` does, for a
sanitizer build: afterwards any report a courtcast process wrote (serve,
verify, check-config…, each to COURTCAST_SANITIZER_REPORTS.PID) fails the
module, even when no test looked at that process."""

import glob
import os
import sys
import unittest

import harness

if __name__ == "__main__":
    module = sys.argv[1]
    # Reports of an earlier run of this module are not this run's.
    for old in glob.glob(harness.REPORT_PREFIX + ".*"):
        os.remove(old)
    os.makedirs(os.path.dirname(harness.REPORT_PREFIX), exist_ok=True)
    run = unittest.main(module=module, argv=[sys.argv[0], "-v"], exit=False)
    reports = harness.sanitizer_reports()
    for path, text in reports:
        print(f"==== sanitizer report {path}\n{text}", file=sys.stderr)
    sys.exit(0 if run.result.wasSuccessful() and not reports else 1)
