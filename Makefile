# Thin wrapper over CMake/CTest. `make` leaves the binary at build/quantcli.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2

.PHONY: all deps configure demo test test-plain test-asan fuzz bench clean

all: deps configure
	cmake --build $(BUILD) -j$(JOBS)

deps:
	@./bootstrap.sh --check

configure:
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

demo: all
	@scripts/demo.sh $(BUILD)/quantcli

# Every test: -Werror build, then ASan+UBSan build, then a short fuzz run; one summary line.
test: deps
	@scripts/run_tests.sh

# Every bench program (bench/bench_*.c), data and backtest first.
bench: all
	@set -e; for b in $(BUILD)/bench_data $(BUILD)/bench_backtest $(BUILD)/bench_*; do \
	  case " $$done " in *" $$b "*) continue ;; esac; done="$$done $$b"; \
	  [ -x "$$b" ] && { echo "== $$(basename $$b)"; "$$b"; }; done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
