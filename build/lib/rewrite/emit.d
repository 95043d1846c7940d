build/lib/rewrite/emit.o: lib/rewrite/emit.c \
 lib/rewrite/../arch/x86/emit.h lib/rewrite/../arch/x86/insn.h \
 lib/rewrite/../arch/x86/../../util/util.h lib/rewrite/internal.h \
 include/kstride/abi.h lib/rewrite/../arch/x86/insn.h \
 lib/rewrite/../elf/elf.h lib/rewrite/../elf/../util/util.h \
 lib/rewrite/rewrite.h lib/rewrite/../util/util.h
lib/rewrite/../arch/x86/emit.h:
lib/rewrite/../arch/x86/insn.h:
lib/rewrite/../arch/x86/../../util/util.h:
lib/rewrite/internal.h:
include/kstride/abi.h:
lib/rewrite/../arch/x86/insn.h:
lib/rewrite/../elf/elf.h:
lib/rewrite/../elf/../util/util.h:
lib/rewrite/rewrite.h:
lib/rewrite/../util/util.h:
