#!/usr/bin/env python3
"""Runs one command, its stdout to a file, and prints on stderr's last line
`WALL_SECONDS PEAK_RSS_MB EXIT_CODE CPU_SECONDS`.

Peak memory is the child's maximum resident set size and CPU the child's user plus system
time (getrusage of the waited-for child), so each measurement runs in its own process of this
script. CPU seconds say what the command costs when the machine is shared and wall time does
not. Used by scripts/compare.sh: `measure.py OUT CMD...`.
"""
import resource
import subprocess
import sys
import time

start = time.monotonic()
with open(sys.argv[1], "wb") as out:
    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL).returncode
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
print(f"{wall:.3f} {usage.ru_maxrss / 1024:.1f} {code} {cpu:.3f}", file=sys.stderr)
