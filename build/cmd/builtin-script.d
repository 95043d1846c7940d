build/cmd/builtin-script.o: cmd/builtin-script.c cmd/../lib/trace/trace.h \
 include/kstride/abi.h cmd/../lib/trace/../util/util.h cmd/builtin.h
cmd/../lib/trace/trace.h:
include/kstride/abi.h:
cmd/../lib/trace/../util/util.h:
cmd/builtin.h:
