# ASC Keys: `make help` lists the targets.

GO        ?= go
BIN       := bin/asckeys
# The app's UI updates all go through fyne.Do (FyneApp.toml: fyneDo = true), so
# Fyne may drop its own locking; the race detector in `make test` then catches
# any update that does not.
TAGS      := migrated_fynedo
GOFLAGS_TAGS := -tags=$(TAGS)
export GOFLAGS := $(strip $(GOFLAGS) $(GOFLAGS_TAGS))
# go.mod names the patched toolchain (go1.26.11: fixes in net/http, crypto/tls
# and crypto/x509 that govulncheck reports for older 1.26 releases). Some Go
# installs default to GOTOOLCHAIN=local, which would ignore it; auto fetches
# it through the module proxy once.
GOTOOLCHAIN ?= auto
export GOTOOLCHAIN

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: deps
deps: ## Install the system packages a build needs (only those missing)
	@scripts/deps.sh --build

.PHONY: deps-test
deps-test: ## Install what the tests need too (Xvfb, D-Bus, GNOME Keyring, mingw-w64)
	@scripts/deps.sh --test --windows

.PHONY: build
build: ## Build bin/asckeys
	$(GO) build -o $(BIN) .

.PHONY: run
run: deps build ## Install what is missing, build and start the app
	./$(BIN)

.PHONY: demo
demo: deps build ## Try the whole app on a sandbox account (no Apple account, nothing of yours touched)
	./$(BIN) demo

.PHONY: test
test: deps-test ## gofmt, vet, Windows/macOS compile checks, go test -race with a real keychain, smoke test under Xvfb
	@GO=$(GO) scripts/test.sh

.PHONY: audit
audit: ## govulncheck against the Go vulnerability database (built offline from golang.org/x/vulndb)
	@GO=$(GO) scripts/audit.sh

.PHONY: bench
bench: deps-test ## Measure listing (chains, partitions, a slow link), bytes, downloads, bulk writes, start-up, memory, first rows, the 10,000-row table, signing; write docs/BENCHMARKS.md
	@GO=$(GO) scripts/bench.sh

.PHONY: bench-go
bench-go: ## Every Go benchmark of the project, printed only (go test -bench)
	$(GO) test -run '^$$' -bench . -benchmem ./core/... ./gui/datatable/

.PHONY: fuzz
fuzz: ## Fuzz the parsers for a bounded time each (FUZZTIME=30s)
	@GO=$(GO) scripts/fuzz.sh $(FUZZTIME)

.PHONY: screenshots
screenshots: deps-test ## Refresh docs/screenshots from real windows under Xvfb
	@GO=$(GO) scripts/screenshots.sh

.PHONY: package
package: ## Build dist/: the Linux .tar.xz (fyne), the .deb (nfpm) and the Windows .exe (mingw-w64)
	@scripts/deps.sh --build --windows
	@GO=$(GO) scripts/package.sh linux deb windows

.PHONY: package-deb
package-deb: deps ## Build only the .deb (what CI installs and starts)
	@GO=$(GO) scripts/package.sh deb

.PHONY: clean
clean: ## Remove build output
	rm -rf bin build dist asckeys.tar.xz asckeys.exe
	$(GO) clean -testcache
