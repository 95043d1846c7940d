build/cmd/builtin-instrument.o: cmd/builtin-instrument.c \
 cmd/../lib/rewrite/rewrite.h cmd/../lib/rewrite/../util/util.h \
 cmd/builtin.h
cmd/../lib/rewrite/rewrite.h:
cmd/../lib/rewrite/../util/util.h:
cmd/builtin.h:
