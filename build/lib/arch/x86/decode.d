build/lib/arch/x86/decode.o: lib/arch/x86/decode.c include/kstride/abi.h \
 lib/arch/x86/insn.h lib/arch/x86/../../util/util.h
include/kstride/abi.h:
lib/arch/x86/insn.h:
lib/arch/x86/../../util/util.h:
