build/cmd/builtin-record.o: cmd/builtin-record.c cmd/builtin.h
cmd/builtin.h:
