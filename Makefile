# Thin entry points; the logic lives in platform/ (see platform/README.md).
.DEFAULT_GOAL := help
SHELL := /bin/bash
BIN := platform/bin

.PHONY: help bootstrap up down test test-fast bench chaos new-service generate contracts catalog gateway-config lock

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

bootstrap: ## install and prepare everything (idempotent): venv, SDK wheel, infra, databases, migrations
	@$(BIN)/bootstrap

up: ## run the shop: every registered service behind the gateway on http://localhost:8080
	@$(BIN)/up

down: ## stop what `make up` started (from any shell)
	@$(BIN)/down

test: bootstrap ## every test and check, with one summary line per part
	@$(BIN)/test-all

test-fast: ## ruff, mypy and unit tests only (no infrastructure needed)
	@$(BIN)/bootstrap --python-only
	@$(BIN)/test-all --fast

bench: ## run the benchmarks in platform/bench/ against a running `make up`
	@$(BIN)/bench

chaos: ## kill each service, restart RabbitMQ, PostgreSQL and Redis under a checkout load; check the invariants
	@$(BIN)/chaos

new-service: ## scaffold services/$(NAME) from the template and register it: make new-service NAME=<slug>
	@test -n "$(NAME)" || { echo "usage: make new-service NAME=<slug>" >&2; exit 2; }
	@$(BIN)/new-service "$(NAME)"

generate: ## write every per-service deploy file (compose, k8s, observability, catalog, CI) from platform/services.toml
	@$(BIN)/bootstrap --python-only
	@$(BIN)/generate

lock: ## write every service's and app's lock files again (runtime hashed, test, build), SDK included
	@$(BIN)/lock $(if $(UPGRADE),--upgrade)

contracts: ## publish every service's OpenAPI and AsyncAPI documents into contracts/
	@$(BIN)/bootstrap --python-only
	@$(BIN)/contracts

catalog: ## validate catalog-info.yaml and everything it takes in
	@$(BIN)/catalog

gateway-config: ## write .run/nginx/nginx.conf from platform/services.toml and check it with nginx -t
	@$(BIN)/gateway-config
