"""`make bench`: the product brief's numbers, measured against a running `make up`.

Each profile (checkout, browse, reads, flash_sale, pages) drives the shop from a load generator
in its own process while `_sampler` records every shop process's CPU and memory; the figures of
each run are kept as JSON in `.run/bench/runs/` and `report` draws them all into one HTML file.
"""
