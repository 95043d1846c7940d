# SPDX-License-Identifier: GPL-2.0
#
# kstride: make            build build/kstride and build/libkstride-rt.a
#          make check      every host test
#          make check-fidelity, make bench, make fuzz   (see README.md)
#          V=1 for full commands, SAN=1 for ASan/UBSan builds

BUILD   ?= build
# one name for each object, however BUILD was given: the dependency files
# name their targets as they were built
override BUILD := $(abspath $(BUILD))
VERSION := 0.1
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= gcc
PKG_CONFIG ?= pkg-config

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) -Iinclude -D_GNU_SOURCE -DKS_VERSION='"$(VERSION)"' \
	$(shell $(PKG_CONFIG) --cflags libelf 2>/dev/null)
LDLIBS  := $(shell $(PKG_CONFIG) --libs libelf 2>/dev/null || echo -lelf) -lZydis -llzma -lzstd -lz
# the build ID keys record's module cache (cmd/record-cache.c)
override LDFLAGS += -Wl,--build-id

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
	lib/rewrite/*.c lib/trace/*.c lib/kring/*.c lib/race/*.c)
CMD_SRCS := $(wildcard cmd/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CMD_OBJS := $(CMD_SRCS:%.c=$(BUILD)/%.o)

# The runtime is linked into instrumented programs: no SSE in its C code,
# so its slow path can run between any two instructions of the program.
RT_CFLAGS := -O2 -g -std=gnu11 $(WARN) -Iinclude -D_GNU_SOURCE -fPIC \
	-mgeneral-regs-only -fno-stack-protector
RT_OBJS := $(BUILD)/rt/user/rt.o $(BUILD)/rt/user/signal.o $(BUILD)/rt/user/refill.o \
	$(BUILD)/rt/user/desc.o \
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

# make install [PREFIX=/usr/local] [DESTDIR=]: the tool, the runtime and
# its header, the man pages, and kstride.ko's source for DKMS
# (dkms install kstride/$(VERSION) builds it for the running kernel).
KMOD_SRCS := $(wildcard kmod/*.c kmod/*.h kmod/*.S) kmod/Kbuild
MAN_PAGES := $(wildcard doc/*.1)
DKMS_DIR := $(DESTDIR)/usr/src/kstride-$(VERSION)
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
		$(DESTDIR)$(PREFIX)/include/kstride $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DKMS_DIR)/kmod $(DKMS_DIR)/include/kstride
	install -m 755 $(BUILD)/kstride $(DESTDIR)$(PREFIX)/bin/kstride
	install -m 644 $(BUILD)/libkstride-rt.a $(DESTDIR)$(PREFIX)/lib/libkstride-rt.a
	install -m 644 include/kstride/abi.h $(DESTDIR)$(PREFIX)/include/kstride/abi.h
	install -m 644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(filter-out kmod/kstride.mod.c,$(KMOD_SRCS)) $(DKMS_DIR)/kmod/
	install -m 644 include/kstride/abi.h $(DKMS_DIR)/include/kstride/abi.h
	sed 's/@VERSION@/$(VERSION)/' kmod/dkms.conf.in > $(DKMS_DIR)/dkms.conf

version:
	@echo $(VERSION)

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/kstride $(DESTDIR)$(PREFIX)/lib/libkstride-rt.a \
		$(DESTDIR)$(PREFIX)/include/kstride/abi.h \
		$(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(MAN_PAGES)))
	rm -rf $(DKMS_DIR)

clean:
	rm -rf $(BUILD)

.PHONY: all clean install uninstall version
