#!/usr/bin/env python3
"""procstat.py PID SECONDS -> samples /proc/PID every 0.5 s for SECONDS; prints
'cpu_pct=<avg % of one core> rss_mib_start=.. rss_mib_max=.. rss_mib_end=..'"""
import os, sys, time
pid, secs = int(sys.argv[1]), float(sys.argv[2])
tck = os.sysconf("SC_CLK_TCK")
def cpu():
    s = open(f"/proc/{pid}/stat").read(); f = s[s.rindex(")") + 2:].split()
    return (int(f[11]) + int(f[12])) / tck
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
c0, t0, r0 = cpu(), time.monotonic(), rss(); rmax = r0
while time.monotonic() - t0 < secs:
    time.sleep(0.5); rmax = max(rmax, rss())
c1, t1, r1 = cpu(), time.monotonic(), rss()
print(f"cpu_pct={100*(c1-c0)/(t1-t0):.1f} rss_mib_start={r0:.0f} rss_mib_max={rmax:.0f} rss_mib_end={r1:.0f}")
