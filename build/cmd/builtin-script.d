build/cmd/builtin-script.o: cmd/builtin-script.c cmd/builtin.h
cmd/builtin.h:
