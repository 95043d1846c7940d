build/lib/elf/archive.o: lib/elf/archive.c lib/elf/archive.h \
 lib/elf/../util/util.h
lib/elf/archive.h:
lib/elf/../util/util.h:
