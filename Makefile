# The two commands the README leads with: `make run` and `make test`.
# Both set up .venv on a fresh machine from the package registries only.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup run test demo bench clean install

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first and pinned: here it resolves to a local CPU build, so nothing pulls CUDA packages
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]' --config-settings editable_mode=compat
	@# bubblewrap gives the sandbox its network/pid isolation; install it where we can, carry on where we cannot
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap) >/dev/null 2>&1 \
	      || echo "note: could not install bubblewrap; the sandbox falls back to 'unshare -n' or plain runs"; \
	  else echo "note: bubblewrap not installed; the sandbox falls back to 'unshare -n' or plain runs"; fi; }
	touch $(STAMP)

setup: $(STAMP)

# `selfheal` on PATH without activating: a link in ~/.local/bin (PREFIX=...) to the venv's script;
# offline, nothing else installed (pip --user and pipx would need the registry for torch & co.)
PREFIX ?= $(HOME)/.local
install: setup
	mkdir -p $(PREFIX)/bin
	ln -sf $(CURDIR)/$(BIN)/selfheal $(PREFIX)/bin/selfheal
	@case ":$$PATH:" in *":$(PREFIX)/bin:"*) echo "selfheal is on PATH: $$(command -v selfheal)";; \
	  *) echo "linked $(PREFIX)/bin/selfheal; add $(PREFIX)/bin to PATH (export PATH=\"$(PREFIX)/bin:\$$PATH\")";; esac

run: setup
	$(BIN)/python -m selfheal_local.cli.demo

test: setup
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

bench: setup
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
