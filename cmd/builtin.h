/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KS_BUILTIN_H
#define KS_BUILTIN_H

int cmd_instrument(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_script(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_mmiotrace(int argc, char **argv);
int cmd_mark(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_race(int argc, char **argv);

struct trace;
/* report --mmio (report-mmio.c) */
int report__mmio(struct trace *t);

/* report --mmio, by register (report-regs.c) */
enum { REGS_TABLE, REGS_CSV, REGS_JSON };
struct regs_opts {
	const char *map; /* register names: "BARn OFFSET WIDTH NAME" lines */
	int format;
};
int report__regs(struct trace *t, const struct regs_opts *o);

#endif
