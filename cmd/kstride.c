// SPDX-License-Identifier: GPL-2.0
/*
 * kstride: binary instrumentation of x86-64 relocatable objects.
 * One builtin-<cmd>.c per command, dispatched from this table.
 */
#include <stdio.h>
#include <string.h>

#include "builtin.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct cmd cmds[] = {
	{ "instrument", cmd_instrument,
	  "rewrite a .o, .a or .ko so that it records its memory accesses" },
	{ "record", cmd_record, "run an instrumented program and save its trace" },
	{ "script", cmd_script, "print a trace, one event per line" },
	{ "report", cmd_report, "summarise a trace per function or instruction" },
	{ "mmiotrace", cmd_mmiotrace, "write an MMIO trace in mmiotrace's text format" },
	{ "mark", cmd_mark, "insert a marker into a kernel recording" },
	{ "diff", cmd_diff, "align two MMIO traces' device accesses and show what differs" },
	{ "timeline", cmd_timeline,
	  "write a kernel trace's CPUs over time, as Perfetto JSON or SVG" },
	{ "race", cmd_race,
	  "find the data races in a trace recorded with instrument --calls" },
	{ "doctor", cmd_doctor, "check this system for kernel recordings, and say what to do" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: kstride [--version] [--help] COMMAND [ARGS]\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-11s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nRun 'kstride help COMMAND' (or 'kstride COMMAND --help') for a\n"
		   "command's options.\n"
		   "Manual pages: kstride(1), and kstride-COMMAND(1) for each command\n"
		   "(doc/ in the source: man ./doc/kstride-record.1).\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		/* kstride help CMD: what 'kstride CMD --help' says */
		static char h[] = "--help";
		char *av[3] = { argv[2], h, NULL };

		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (!strcmp(argv[2], cmds[i].name))
				return cmds[i].fn(2, av);
		fprintf(stderr, "kstride help: '%s' is not a command. See 'kstride --help'.\n",
			argv[2]);
		return 2;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kstride %s\n", KS_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "kstride: '%s' is not a command. See 'kstride --help'.\n",
		argv[1]);
	return 2;
}
