build/cmd/kstride.o: cmd/kstride.c cmd/builtin.h
cmd/builtin.h:
