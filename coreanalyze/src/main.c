/* main.c - the gostuck command: parses options, runs one analysis of a core
 * and its executable through libgostuck, groups the goroutines and writes
 * the text or JSON view to stdout.  Layer: front end, above the library.  It
 * owns stdout, stderr and the exit status (0 report written, 1 internal
 * error, 2 usage, 3 unreadable or unsuitable input); every error is one
 * line on stderr starting "gostuck: ".  It must not analyze anything itself:
 * all knowledge of ELF, DWARF and the Go runtime lives in the library.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gostuck.h"
#include "report.h"

enum {
	EXIT_REPORT = 0,
	EXIT_INTERNAL = 1,
	EXIT_USAGE = 2,
	EXIT_INPUT = 3,
};

#define MAX_FRAMES_LIMIT 1000000

static const char usage_text[] =
	"usage: gostuck [options] EXE CORE\n"
	"\n"
	"Report every goroutine of a Go program from its core dump, as the Go\n"
	"runtime's own crash traceback would print it, grouped by stack.\n"
	"\n"
	"options:\n"
	"  --json                 write the JSON report (schema %d) instead of text\n"
	"  --group-by=KEY         stack (default), site (first frame in user code),\n"
	"                         created (the go statement), reason (wait reason\n"
	"                         or status), none (one group per goroutine)\n"
	"  --all                  also show dead goroutines and groups made only of\n"
	"                         runtime-internal goroutines\n"
	"  --max-frames=N         unwind at most N frames per goroutine (default 10000)\n"
	"  -p PID                 analyze a live process (not implemented yet)\n"
	"  -h, --help             show this help\n"
	"      --version          show the version and the JSON schema number\n"
	"\n"
	"examples:\n"
	"  ulimit -c unlimited; GOTRACEBACK=crash ./server   # then kill -ABRT it\n"
	"  gostuck ./server core\n"
	"  gcore -o server.core $(pidof server)             # core of a running process\n"
	"  gostuck --group-by=site ./server server.core.$(pidof server)\n"
	"  gostuck --json ./server core | jq '.groups[0]'\n"
	"\n"
	"exit status: 0 report written (even with warnings), 1 internal error,\n"
	"2 usage error, 3 input unreadable or not a supported Go program/core.\n"
	"See gostuck(1).\n";

/* One line on stderr, "gostuck: " first; newlines inside become spaces so
 * a message from the library can never break the one-line rule. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "gostuck: %s\n", msg);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	say("%s (try 'gostuck --help')", msg);
	return EXIT_USAGE;
}

static int exit_code_of(enum gs_errcode code)
{
	switch (code) {
	case GS_E_USAGE:
		return EXIT_USAGE;
	case GS_E_INPUT:
	case GS_E_MISMATCH:
	case GS_E_UNSUPPORTED:
		return EXIT_INPUT;
	default:
		return EXIT_INTERNAL;
	}
}

/* The stdout write failed (a full disk, a closed file): report it once. */
static int write_failed(void)
{
	int e = errno;
	say("writing the report to standard output: %s", e ? strerror(e) : "write error");
	return EXIT_INTERNAL;
}

enum { OPT_JSON = 256, OPT_GROUP_BY, OPT_ALL, OPT_MAX_FRAMES, OPT_VERSION };

static const struct option long_options[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"group-by", required_argument, NULL, OPT_GROUP_BY},
	{"all", no_argument, NULL, OPT_ALL},
	{"max-frames", required_argument, NULL, OPT_MAX_FRAMES},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

/* The option argv[optind - 1] named, for messages about it. */
static const char *bad_option(char **argv, int ind)
{
	return ind > 0 && argv[ind - 1] ? argv[ind - 1] : "?";
}

int main(int argc, char **argv)
{
	bool json = false, all = false, live = false;
	enum gs_group_by by = GS_GROUP_STACK;
	size_t max_frames = 0;
	const char *pid = NULL;

	opterr = 0; /* our own one-line messages, named "gostuck" whatever argv[0] is */
	for (;;) {
		int ind = 0;
		int c = getopt_long(argc, argv, ":hp:", long_options, &ind);
		if (c == -1)
			break;
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_GROUP_BY:
			if (gs_group_by_parse(optarg, &by) < 0)
				return usage_error("unknown --group-by '%s': use stack, site, created, reason or none",
				                   optarg);
			break;
		case OPT_ALL:
			all = true;
			break;
		case OPT_MAX_FRAMES: {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || v == 0 || v > MAX_FRAMES_LIMIT)
				return usage_error("--max-frames wants a number from 1 to %d, not '%s'",
				                   MAX_FRAMES_LIMIT, optarg);
			max_frames = (size_t)v;
			break;
		}
		case 'p':
			live = true;
			pid = optarg;
			break;
		case 'h':
			if (printf(usage_text, GS_SCHEMA) < 0 || fflush(stdout) != 0)
				return write_failed();
			return EXIT_REPORT;
		case OPT_VERSION:
			if (printf("gostuck %s\nJSON report schema %d\n", GS_VERSION, GS_SCHEMA) < 0 ||
			    fflush(stdout) != 0)
				return write_failed();
			return EXIT_REPORT;
		case ':':
			return usage_error("option '%s' needs an argument", bad_option(argv, optind));
		default:
			if (optopt > 0 && optopt < 256)
				return usage_error("unknown option '-%c'", optopt);
			if (optopt >= 256) /* a long option given an argument it does not take */
				return usage_error("option '%s' takes no argument", bad_option(argv, optind));
			return usage_error("unknown option '%s'", bad_option(argv, optind));
		}
	}
	if (live) {
		say("-p %s: analyzing a live process is not implemented yet in this build; "
		    "take a core with 'gcore %s' and run 'gostuck EXE core.%s'", pid, pid, pid);
		return EXIT_USAGE;
	}
	if (argc - optind != 2)
		return usage_error("expected 2 arguments, EXE and CORE, got %d", argc - optind);
	const char *exe = argv[optind], *core = argv[optind + 1];

	struct gs_options opts = {.include_dead = all, .max_frames = max_frames};
	struct gs_analysis *a = NULL;
	struct gs_error err = {0};
	if (gs_analyze_core(exe, core, &opts, &a, &err) < 0) {
		if (err.msg[0])
			say("%s", err.msg);
		else
			say("analyzing %s with %s failed (no reason given)", core, exe);
		return exit_code_of(err.code);
	}
	const struct gs_report *r = gs_analysis_report(a);
	if (!r) {
		say("the analysis of %s returned no report", core);
		gs_analysis_close(a);
		return EXIT_INTERNAL;
	}
	struct gs_groups *groups = gs_group(r, by);
	if (!groups) {
		say("out of memory grouping %zu goroutines", r->ngoroutines);
		gs_analysis_close(a);
		return EXIT_INTERNAL;
	}

	struct gs_view_options view = {.all = all};
	errno = 0;
	int rc = json ? gs_report_json(stdout, r, groups, &view) : gs_report_text(stdout, r, groups, &view);
	int status = EXIT_REPORT;
	if (rc < 0) {
		if (errno == ENOMEM)
			say("out of memory writing the report");
		else
			write_failed();
		status = EXIT_INTERNAL;
	}
	gs_groups_free(groups);
	gs_analysis_close(a);
	if (status == EXIT_REPORT && fclose(stdout) != 0)
		return write_failed();
	return status;
}
