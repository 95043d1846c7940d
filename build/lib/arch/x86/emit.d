build/lib/arch/x86/emit.o: lib/arch/x86/emit.c lib/arch/x86/emit.h \
 lib/arch/x86/insn.h lib/arch/x86/../../util/util.h
lib/arch/x86/emit.h:
lib/arch/x86/insn.h:
lib/arch/x86/../../util/util.h:
