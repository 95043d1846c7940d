build/lib/elf/elf.o: lib/elf/elf.c lib/elf/elf.h lib/elf/../util/util.h
lib/elf/elf.h:
lib/elf/../util/util.h:
