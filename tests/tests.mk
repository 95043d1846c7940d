# SPDX-License-Identifier: GPL-2.0
# Test targets; included from the top Makefile.

UNIT_TESTS := $(BUILD)/tests/unit/test-x86 $(BUILD)/tests/unit/test-elf \
	      $(BUILD)/tests/unit/test-decomp $(BUILD)/tests/unit/test-kdecode \
	      $(BUILD)/tests/unit/test-kring $(BUILD)/tests/unit/test-twrite \
	      $(BUILD)/tests/unit/test-sem $(BUILD)/tests/unit/test-race \
	      $(BUILD)/tests/unit/test-fcache
TEST_TOOLS := $(BUILD)/relcheck $(BUILD)/ibtcheck $(BUILD)/mmioparse $(BUILD)/readcover

$(BUILD)/mmioparse: tests/tools/mmioparse.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $<

$(BUILD)/readcover: tests/tools/readcover.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $<

$(BUILD)/relcheck: tests/tools/relcheck.c $(BUILD)/libkstride.a
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libkstride.a $(LDLIBS)

$(BUILD)/ibtcheck: tests/tools/ibtcheck.c $(BUILD)/libkstride.a
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libkstride.a $(LDLIBS)

$(BUILD)/tests/unit/test-kdecode: kmod/decode.c kmod/decode.h
$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/harness.h $(BUILD)/libkstride.a
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libkstride.a $(LDLIBS)

# every host test: unit, golden fixtures, real libraries, bad input
check: all $(UNIT_TESTS) $(TEST_TOOLS)
	@bash tests/run.sh $(BUILD)

# valgrind lackey as the oracle for every instruction of libz and libsqlite3
check-fidelity: all
	@bash tests/fidelity/run.sh zlib
	@bash tests/fidelity/run.sh sqlite

# every VM test, in one boot of Debian's kernel under QEMU
vmcheck: all $(TEST_TOOLS)
	@bash tests/vm/check.sh $(BUILD)

# the second kernel's sample in the README's test command (README,
# "Kernels"): the sweep over every 8th module and 180 candidates, no
# cycles test, the MMIO matrix's sample
KS_SECOND_KERNEL ?= 6.12
vmcheck-sample: all $(TEST_TOOLS)
	@KS_KERNEL=$(KS_SECOND_KERNEL) KS_VMCHECK_SAMPLE=1 bash tests/vm/check.sh $(BUILD)

# every VM test on every kernel series, in full
vmcheck-full: all $(TEST_TOOLS)
	@for k in 6.1 6.12 6.1-rt; do \
		echo "vmcheck-full: KS_KERNEL=$$k"; \
		KS_KERNEL=$$k bash tests/vm/check.sh $(BUILD) || exit 1; \
	done

# IBT at run time, under QEMU's ibtwatch plugin (a kernel with
# CONFIG_X86_KERNEL_IBT: 6.12; make vmcheck runs it there too)
vmcheck-ibt: all $(TEST_TOOLS)
	@KS_KERNEL=$${KS_KERNEL:-6.12} bash tests/vm/ibt-check.sh $(BUILD)

# NVIDIA's binary driver, fetched and built for the VM kernel, one VM run
vmcheck-race: all
	@bash tests/vm/race-check.sh $(BUILD)

# ...and e1000 and 8139cp under load, every report explained (issue 11),
# in the same boot: what check-all runs
vmcheck-race-nic: all
	@bash tests/vm/race-check.sh $(BUILD) --nic

vmcheck-nvidia: all $(TEST_TOOLS)
	@bash tests/vm/nvidia-check.sh $(BUILD)

# the kernel rings' benchmark, one VM run
vmbench: all
	@bash tests/vm/bench.sh $(BUILD)

# what the README's test command runs
check-all: check check-fidelity vmcheck vmcheck-race-nic vmcheck-nvidia vmcheck-sample

bench: all
	@bash bench/zlib-bench.sh $(BUILD)

# the readers' peak memory on a 4 GB trace
bench-race: all
	@bash bench/race-bench.sh $(BUILD)

bench-reader: all
	@bash bench/reader-mem.sh $(BUILD)

FUZZ_SECONDS ?= 60
fuzz:
	@bash tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

# the README's first command: set up, boot, trace e1000's device accesses
demo:
	@bash scripts/demo.sh

.PHONY: check check-fidelity check-all vmcheck vmcheck-sample vmcheck-full vmcheck-race vmcheck-race-nic vmcheck-nvidia vmbench bench bench-race bench-reader fuzz demo
