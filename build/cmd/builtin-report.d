build/cmd/builtin-report.o: cmd/builtin-report.c cmd/builtin.h
cmd/builtin.h:
