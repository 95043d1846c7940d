build/lib/rewrite/rewrite.o: lib/rewrite/rewrite.c \
 lib/rewrite/../elf/archive.h lib/rewrite/../elf/../util/util.h \
 lib/rewrite/internal.h include/kstride/abi.h \
 lib/rewrite/../arch/x86/insn.h lib/rewrite/../arch/x86/../../util/util.h \
 lib/rewrite/../elf/elf.h lib/rewrite/rewrite.h \
 lib/rewrite/../util/util.h
lib/rewrite/../elf/archive.h:
lib/rewrite/../elf/../util/util.h:
lib/rewrite/internal.h:
include/kstride/abi.h:
lib/rewrite/../arch/x86/insn.h:
lib/rewrite/../arch/x86/../../util/util.h:
lib/rewrite/../elf/elf.h:
lib/rewrite/rewrite.h:
lib/rewrite/../util/util.h:
