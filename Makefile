# SPDX-License-Identifier: GPL-2.0
#
# kstride: make            build build/kstride and build/libkstride-rt.a
#          make check      every host test
#          make check-fidelity, make bench, make fuzz   (see README.md)
#          V=1 for full commands, SAN=1 for ASan/UBSan builds

BUILD   ?= build
CC      ?= gcc
PKG_CONFIG ?= pkg-config

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) -Iinclude -D_GNU_SOURCE \
	$(shell $(PKG_CONFIG) --cflags libelf 2>/dev/null)
LDLIBS  := $(shell $(PKG_CONFIG) --libs libelf 2>/dev/null || echo -lelf) -lZydis -llzma -lzstd -lz

ifeq ($(SAN),1)
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2);
endif

LIB_SRCS := $(wildcard lib/util/*.c lib/elf/*.c lib/arch/x86/*.c \
	lib/rewrite/*.c lib/trace/*.c lib/kring/*.c)
CMD_SRCS := $(wildcard cmd/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CMD_OBJS := $(CMD_SRCS:%.c=$(BUILD)/%.o)

# The runtime is linked into instrumented programs: no SSE in its C code,
# so its slow path can run between any two instructions of the program.
RT_CFLAGS := -O2 -g -std=gnu11 $(WARN) -Iinclude -D_GNU_SOURCE -fPIC \
	-mgeneral-regs-only -fno-stack-protector
RT_OBJS := $(BUILD)/rt/user/rt.o $(BUILD)/rt/user/signal.o $(BUILD)/rt/user/refill.o \
	$(BUILD)/rt/twrite.o

all: $(BUILD)/kstride $(BUILD)/libkstride-rt.a

$(BUILD)/libkstride.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/kstride: $(CMD_OBJS) $(BUILD)/libkstride.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libkstride-rt.a: $(RT_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/rt/%.o: rt/%.c rt/user/rt.h lib/trace/twrite.h include/kstride/abi.h
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(RT_CFLAGS) -c -o $@ $<

# the trace writer, shared with the recorder, built with the runtime's flags
$(BUILD)/rt/twrite.o: lib/trace/twrite.c lib/trace/twrite.h include/kstride/abi.h
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(RT_CFLAGS) -c -o $@ $<

$(BUILD)/rt/%.o: rt/%.S include/kstride/abi.h
	$(call msg,AS,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -Iinclude -c -o $@ $<

$(BUILD)/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d)

include tests/tests.mk

clean:
	rm -rf $(BUILD)

.PHONY: all clean
