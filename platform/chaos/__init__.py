"""`make chaos`: faults injected one at a time into a running `make up` under a steady checkout
load through the gateway, then the shop's invariants checked in the services' own databases and
the customers' view (availability, seconds to recover) printed per fault. See README.md here.
"""
