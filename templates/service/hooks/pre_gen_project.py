"""Refuse a bad service before anything is written: the slug becomes a package, a DNS name,
a Kubernetes object, a Pact participant and a database, so it must be valid for all of them."""

import re
import sys

SLUG = "{{ cookiecutter.slug }}"
PORT = "{{ cookiecutter.port }}"
DATABASE = "{{ cookiecutter.database }}"
TEAM = "{{ cookiecutter.team }}"
ROUTE_PREFIX = "{{ cookiecutter.route_prefix }}"

problems = []
if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*-service", SLUG) or len(SLUG) > 40:
    problems.append(
        f"slug {SLUG!r}: use lowercase words joined by '-', ending in '-service', at most "
        "40 characters (e.g. 'review-service')"
    )
if not PORT.isdigit() or not 1024 < int(PORT) < 65536:
    problems.append(f"port {PORT!r}: a number between 1025 and 65535")
if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", DATABASE):
    problems.append(f"database {DATABASE!r}: lowercase letters, digits and '_'")
if not re.fullmatch(r"team-[0-9]+", TEAM):
    problems.append(f"team {TEAM!r}: one of the Groups in the root catalog, e.g. 'team-2'")
if not re.fullmatch(r"/api/[a-z][a-z0-9-]*", ROUTE_PREFIX):
    problems.append(f"route_prefix {ROUTE_PREFIX!r}: like '/api/reviews'")

if problems:
    print("Cannot create the service:", *problems, sep="\n  - ", file=sys.stderr)
    sys.exit(1)
