/* main.c - the gostuck command: parses options, runs one analysis of a core
 * and its executable, or of a live process (-p), through libgostuck, groups
 * the goroutines and writes the text or JSON view to stdout; reads a
 * goroutine dump or saved report instead (one argument); compares two
 * snapshots (`gostuck diff A B`, or --growth on a live process); triages
 * a directory of cores into JSON lines (--batch, cli_batch.c); with
 * --pprof, also the goroutine profile to a file (cli_pprof.c).  Layer: front
 * end, above the library.  It owns stdout, stderr and the exit status (0
 * report written, 1 --fail-on / --fail-on-growth matched, 2 usage, 3
 * unreadable or unsuitable input, 4 internal error); every error is one
 * line on stderr starting "gostuck: ".  It must not analyze anything itself:
 * all knowledge of ELF, DWARF and the Go runtime lives in the library.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define MAX_FRAMES_LIMIT 1000000
#define MAX_GROWTH_SECONDS 86400

static const char usage_text[] =
	"usage: gostuck [options] EXE CORE\n"
	"       gostuck [options] -p PID\n"
	"       gostuck [options] DUMP               (a goroutine dump or saved report; - reads stdin)\n"
	"       gostuck diff [options] BEFORE AFTER  (two dumps or saved reports)\n"
	"       gostuck --batch=DIR [options]        (every core under DIR, JSON lines)\n"
	"\n"
	"Report every goroutine of a Go program from its core dump, or of a running\n"
	"Go process, as the Go runtime's own crash traceback would print it,\n"
	"grouped by stack.  A DUMP is what the runtime printed: runtime.Stack(buf,\n"
	"true), /debug/pprof/goroutine?debug=1 or ?debug=2, a panic or\n"
	"GOTRACEBACK=crash traceback; or a report saved with --json.\n"
	"\n"
	"options:\n"
	"  --json                 write the JSON report (schema %d) instead of text\n"
	"  --group-by=KEY         stack (default), site (first frame in user code),\n"
	"                         created (the go statement), reason (wait reason\n"
	"                         or status), object (the channel, mutex... they\n"
	"                         wait on), none (one group per goroutine)\n"
	"  --all                  also show dead goroutines and groups made only of\n"
	"                         runtime-internal goroutines\n"
	"  --reason=TEXT          only goroutines whose wait reason contains TEXT\n"
	"                         (\"chan send\", \"sync.Mutex.Lock\", \"select\")\n"
	"  --status=NAME          only goroutines in this status (waiting, runnable,\n"
	"                         running, syscall, leaked...)\n"
	"  --func=TEXT            only goroutines with a frame (or creator) whose\n"
	"                         function contains TEXT (\"main.worker\", \"net/http\")\n"
	"  --leaked[=VERDICT]     only goroutines judged leaked: definite, suspect or\n"
	"                         any (the default)\n"
	"  --id=N[,N...]          only these goroutine ids\n"
	"  --pprof=FILE           also write the goroutine profile to FILE, in pprof's\n"
	"                         format for 'go tool pprof' (gzip'd protobuf): a\n"
	"                         sample per stack, status, wait reason, leak verdict\n"
	"                         and labels, counting goroutines; runtime-internal\n"
	"                         ones only with --all; the report still goes to stdout\n"
	"  --max-frames=N         unwind at most N frames per goroutine (default 10000)\n"
	"  --suspect-minutes=N    suspect a leak when blocked at least N minutes (5)\n"
	"  --suspect-count=N      suspect a leak when N or more goroutines are blocked\n"
	"                         at one user site (100)\n"
	"  -p PID                 analyze a running process instead of a core: every\n"
	"                         thread is stopped (ptrace) only while its memory is\n"
	"                         read, then let go before the report is formatted;\n"
	"                         nothing is written to it (needs the right to ptrace\n"
	"                         it: same user or root, see ptrace_scope in gostuck(1))\n"
	"      --verbose          print how long the process was stopped (-p) on stderr\n"
	"      --growth=SECONDS   with -p: take two snapshots SECONDS apart and list the\n"
	"                         groups that grew (key, count before, after, delta);\n"
	"                         groups by site unless --group-by is given; --all\n"
	"                         also counts runtime-internal goroutines\n"
	"      --fail-on=VERDICT  exit 1 when a goroutine is judged leaked at this\n"
	"                         level: definite, or suspect (suspect or definite)\n"
	"      --fail-on-growth=N diff, --growth: exit 1 when a group grew by N or more\n"
	"      --batch=DIR        analyze every core under DIR (each paired with the\n"
	"                         executable beside it: see gostuck(1)) and write one\n"
	"                         JSON report per line; --exe=PATH names the\n"
	"                         executable of them all\n"
	"      --no-progress      no progress line on stderr (shown for long analyses\n"
	"                         when stderr is a terminal)\n"
	"  -h, --help             show this help\n"
	"      --version          show the version and the JSON schema number\n"
	"\n"
	"examples:\n"
	"  ulimit -c unlimited; GOTRACEBACK=crash ./server   # then kill -ABRT it\n"
	"  gostuck ./server core\n"
	"  gcore -o server.core $(pidof server)             # core of a running process\n"
	"  gostuck --group-by=site ./server server.core.$(pidof server)\n"
	"  gostuck --json ./server core | jq '.groups[0]'\n"
	"  gostuck -p $(pidof server)                       # the running process, paused briefly\n"
	"  gostuck --pprof=g.pb.gz ./server core >/dev/null; go tool pprof -top g.pb.gz\n"
	"  gostuck --growth=30 -p $(pidof server)           # which sites keep adding goroutines\n"
	"  curl -s localhost:6060/debug/pprof/goroutine?debug=2 | gostuck -\n"
	"  gostuck --json ./server core > a.json; ...; gostuck diff --group-by=site a.json b.json\n"
	"  gostuck --fail-on=definite ./server core || echo leaked\n"
	"  gostuck --batch=/var/crash > triage.jsonl\n"
	"\n"
	"exit status: 0 report written (even with warnings), 1 --fail-on or\n"
	"--fail-on-growth matched (the report is still written), 2 usage error (also:\n"
	"the --pprof file cannot be created),\n"
	"3 input unreadable or not a supported Go program/core/dump, 4 internal\n"
	"error (out of memory, stdout not writable).  See gostuck(1).\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	gs_cli_say("%s (try 'gostuck --help')", msg);
	return EXIT_USAGE;
}

enum { OPT_JSON = 256, OPT_GROUP_BY, OPT_ALL, OPT_MAX_FRAMES, OPT_VERSION, OPT_VERBOSE, OPT_GROWTH,
       OPT_SUSPECT_MINUTES, OPT_SUSPECT_COUNT, OPT_REASON, OPT_STATUS, OPT_FUNC, OPT_LEAKED, OPT_ID,
       OPT_FAIL_ON, OPT_FAIL_ON_GROWTH, OPT_BATCH, OPT_EXE, OPT_NO_PROGRESS, OPT_PPROF };

static const struct option long_options[] = {
	{"json", no_argument, NULL, OPT_JSON},
	{"group-by", required_argument, NULL, OPT_GROUP_BY},
	{"all", no_argument, NULL, OPT_ALL},
	{"max-frames", required_argument, NULL, OPT_MAX_FRAMES},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"verbose", no_argument, NULL, OPT_VERBOSE},
	{"growth", required_argument, NULL, OPT_GROWTH},
	{"suspect-minutes", required_argument, NULL, OPT_SUSPECT_MINUTES},
	{"suspect-count", required_argument, NULL, OPT_SUSPECT_COUNT},
	{"reason", required_argument, NULL, OPT_REASON},
	{"status", required_argument, NULL, OPT_STATUS},
	{"func", required_argument, NULL, OPT_FUNC},
	{"leaked", optional_argument, NULL, OPT_LEAKED},
	{"id", required_argument, NULL, OPT_ID},
	{"fail-on", required_argument, NULL, OPT_FAIL_ON},
	{"fail-on-growth", required_argument, NULL, OPT_FAIL_ON_GROWTH},
	{"batch", required_argument, NULL, OPT_BATCH},
	{"exe", required_argument, NULL, OPT_EXE},
	{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
	{"pprof", required_argument, NULL, OPT_PPROF},
	{NULL, 0, NULL, 0},
};

/* The option argv[optind - 1] named, for messages about it. */
static const char *bad_option(char **argv, int ind)
{
	return ind > 0 && argv[ind - 1] ? argv[ind - 1] : "?";
}

/* "-p PID": a positive decimal process id that fits pid_t. */
static int parse_pid(const char *arg, pid_t *out)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || arg[0] == '+' || v <= 0 || v > 0x3fffffff)
		return -1;
	*out = (pid_t)v;
	return 0;
}

#define MAX_IDS 100000

/* "--id=1,5,18": positive decimal ids, at most MAX_IDS. */
static int parse_ids(const char *arg, uint64_t *ids, size_t *n)
{
	const char *p = arg;
	*n = 0;
	for (;;) {
		char *end;
		errno = 0;
		if (*p < '0' || *p > '9' || *n == MAX_IDS)
			return -1;
		unsigned long long v = strtoull(p, &end, 10);
		if (errno)
			return -1;
		ids[(*n)++] = v;
		if (*end == 0)
			return 0;
		if (*end != ',')
			return -1;
		p = end + 1;
	}
}

/* --verbose: what the pause of a live process cost it. */
static void say_pause(pid_t pid, const struct gs_live_stats *st)
{
	if (st->nthreads == 0)
		return;
	gs_cli_say("process %d was stopped for %.3f ms (%zu threads, stopped in %.3f ms; %llu reads, %.1f KiB)", (int)pid,
	    (double)st->pause_ns / 1e6, st->nthreads, (double)st->attach_ns / 1e6, (unsigned long long)st->nsyscalls,
	    (double)st->bytes / 1024.0);
}

int gs_cli_analyze_pid(pid_t pid, const struct gs_options *opts, bool verbose, struct gs_analysis **out)
{
	struct gs_error err = {0};
	struct gs_live_stats st;
	int rc = gs_analyze_live(pid, opts, &st, out, &err);
	if (verbose)
		say_pause(pid, &st);
	if (rc == 0)
		return EXIT_REPORT;
	if (err.msg[0])
		gs_cli_say("%s", err.msg);
	else
		gs_cli_say("analyzing process %d failed (no reason given)", (int)pid);
	return gs_cli_exit_code(err.code);
}

/* ---- one snapshot: the report on stdout, and the profile (--pprof) ---- */

/* One snapshot: analyze (a process, a dump or a core), select, write the
 * profile to pf (when not NULL, and first, so a reader of stdout that goes
 * away cannot lose it), then the report to stdout.  Returns the exit
 * status. */
static int run_report(bool live, pid_t pid, const char *pidarg, char **args, int nargs,
                      const struct gs_options *opts, bool verbose, const struct gs_filter *filter,
                      enum gs_group_by by, bool json, bool all, const char *fail_on, struct gs_cli_pprof *pf)
{
	struct gs_analysis *a = NULL;
	const char *what = live ? pidarg : args[nargs - 1];
	gs_cli_timing("open");
	if (live) {
		int status = gs_cli_analyze_pid(pid, opts, verbose, &a);
		if (status != EXIT_REPORT)
			return status;
	} else if (nargs == 1) {
		struct gs_error err = {0};
		if (gs_analyze_dump(args[0], opts, &a, &err) < 0) {
			gs_cli_say("%s", err.msg[0] ? err.msg : "reading the dump failed (no reason given)");
			return gs_cli_exit_code(err.code);
		}
	} else {
		const char *exe = args[0], *core = args[1];
		struct gs_error err = {0};
		if (gs_analyze_core(exe, core, opts, &a, &err) < 0) {
			if (err.msg[0])
				gs_cli_say("%s", err.msg);
			else
				gs_cli_say("analyzing %s with %s failed (no reason given)", core, exe);
			return gs_cli_exit_code(err.code);
		}
	}
	const struct gs_report *r = gs_analysis_report(a);
	if (!r) {
		gs_cli_say("the analysis of %s returned no report", what);
		gs_analysis_close(a);
		return EXIT_INTERNAL;
	}
	struct gs_report *filtered = NULL;
	if (filter) {
		filtered = gs_report_filter(r, filter);
		if (!filtered) {
			gs_cli_say("out of memory selecting goroutines");
			gs_analysis_close(a);
			return EXIT_INTERNAL;
		}
		r = filtered;
	}
	gs_cli_timing("group");
	struct gs_groups *groups = gs_group(r, by);
	if (!groups) {
		gs_cli_say("out of memory grouping %zu goroutines", r->ngoroutines);
		gs_report_filtered_free(filtered);
		gs_analysis_close(a);
		return EXIT_INTERNAL;
	}

	gs_cli_progress_done();
	int status = EXIT_REPORT;
	if (pf && gs_cli_pprof_write(pf, r, all) != 0)
		status = EXIT_INTERNAL;
	struct gs_view_options view = {.all = all};
	gs_cli_timing(json ? "write json" : "write text");
	errno = 0;
	int rc = json ? gs_report_json(stdout, r, groups, &view) : gs_report_text(stdout, r, groups, &view);
	if (rc < 0) {
		if (errno == ENOMEM)
			gs_cli_say("out of memory writing the report");
		else
			gs_cli_write_failed();
		status = EXIT_INTERNAL;
	}
	bool matched = status == EXIT_REPORT && fail_on && gs_cli_leaks_at(r, fail_on);
	gs_cli_timing("free");
	gs_groups_free(groups);
	gs_report_filtered_free(filtered);
	gs_analysis_close(a);
	if (rc == 0 && fclose(stdout) != 0)
		return gs_cli_write_failed();
	gs_cli_timing(NULL);
	return matched ? EXIT_FAIL_ON : status;
}

int main(int argc, char **argv)
{
	bool json = false, all = false, live = false, verbose = false, by_set = false;
	enum gs_group_by by = GS_GROUP_STACK;
	size_t max_frames = 0;
	int64_t suspect_minutes = 0;
	size_t suspect_count = 0;
	const char *pidarg = NULL;
	double growth = 0;
	pid_t pid = 0;
	struct gs_filter filter = {0};
	bool filtering = false, progress = true;
	const char *fail_on = NULL, *batch = NULL, *batch_exe = NULL, *pprof_path = NULL;
	long long fail_on_growth = 0;
	static uint64_t ids[MAX_IDS];

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
				return usage_error("unknown --group-by '%s': use stack, site, created, reason, object or none",
				                   optarg);
			by_set = true;
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
		case OPT_SUSPECT_MINUTES:
		case OPT_SUSPECT_COUNT: {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || v == 0 || v > 100000000)
				return usage_error("--%s wants a positive number, not '%s'",
				                   c == OPT_SUSPECT_MINUTES ? "suspect-minutes" : "suspect-count", optarg);
			if (c == OPT_SUSPECT_MINUTES)
				suspect_minutes = (int64_t)v;
			else
				suspect_count = (size_t)v;
			break;
		}
		case OPT_VERBOSE:
			verbose = true;
			break;
		case OPT_REASON:
			filter.reason = optarg;
			filtering = true;
			break;
		case OPT_STATUS:
			filter.status = optarg;
			filtering = true;
			break;
		case OPT_FUNC:
			filter.func = optarg;
			filtering = true;
			break;
		case OPT_LEAKED:
			filter.leak = optarg ? optarg : "any";
			if (strcmp(filter.leak, "any") && strcmp(filter.leak, "definite") && strcmp(filter.leak, "suspect"))
				return usage_error("--leaked takes definite, suspect or any, not '%s'", optarg);
			filtering = true;
			break;
		case OPT_ID:
			if (parse_ids(optarg, ids, &filter.nids) != 0)
				return usage_error("--id wants goroutine ids separated by commas (at most %d), not '%s'",
				                   MAX_IDS, optarg);
			filter.ids = ids;
			filtering = true;
			break;
		case OPT_GROWTH: {
			char *end;
			errno = 0;
			double v = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(v > 0) || v > MAX_GROWTH_SECONDS)
				return usage_error("--growth wants seconds, a number above 0 and at most %d, not '%s'",
				                   MAX_GROWTH_SECONDS, optarg);
			growth = v;
			break;
		}
		case OPT_FAIL_ON:
			if (strcmp(optarg, "definite") && strcmp(optarg, "suspect"))
				return usage_error("--fail-on takes definite or suspect, not '%s'", optarg);
			fail_on = optarg;
			break;
		case OPT_FAIL_ON_GROWTH: {
			char *end;
			errno = 0;
			long long v = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || v <= 0)
				return usage_error("--fail-on-growth wants a positive number of goroutines, not '%s'", optarg);
			fail_on_growth = v;
			break;
		}
		case OPT_BATCH:
			batch = optarg;
			break;
		case OPT_EXE:
			batch_exe = optarg;
			break;
		case OPT_PPROF:
			if (!optarg[0])
				return usage_error("--pprof wants the name of the file to write the profile to");
			pprof_path = optarg;
			break;
		case OPT_NO_PROGRESS:
			progress = false;
			break;
		case 'p':
			live = true;
			pidarg = optarg;
			break;
		case 'h':
			if (printf(usage_text, GS_SCHEMA) < 0 || fflush(stdout) != 0)
				return gs_cli_write_failed();
			return EXIT_REPORT;
		case OPT_VERSION:
			if (printf("gostuck %s\nJSON report schema %d\n", GS_VERSION, GS_SCHEMA) < 0 ||
			    fflush(stdout) != 0)
				return gs_cli_write_failed();
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
	gs_cli_progress_enable(progress);
	struct gs_options opts = {.include_dead = all,
	                          .max_frames = max_frames,
	                          .suspect_minutes = suspect_minutes,
	                          .suspect_count = suspect_count,
	                          .progress = gs_cli_progress_cb};
	bool diff = argc - optind >= 1 && !strcmp(argv[optind], "diff") && !live && !batch;
	if (fail_on_growth && !diff && growth <= 0)
		return usage_error("--fail-on-growth goes with diff or --growth");
	if (pprof_path && (diff || batch || growth > 0))
		return usage_error("--pprof writes one snapshot's profile: it does not combine with diff, --batch or --growth");
	if (batch_exe && !batch)
		return usage_error("--exe goes with --batch (otherwise give EXE CORE)");
	if (diff) {
		if (argc - optind != 3)
			return usage_error("diff compares two snapshots: gostuck diff BEFORE AFTER, got %d", argc - optind - 1);
		if (filtering || fail_on)
			return usage_error("diff compares whole snapshots: it takes no --reason, --status, --func, --leaked, --id or --fail-on");
		struct gs_cli_diff_args da = {.before = argv[optind + 1], .after = argv[optind + 2], .opts = &opts,
		                              .by = by_set ? by : GS_GROUP_SITE, .json = json, .all = all,
		                              .fail_on_growth = fail_on_growth};
		return gs_cli_diff(&da);
	}
	if (batch) {
		if (live || argc != optind)
			return usage_error("--batch=DIR takes no -p, EXE or CORE: it finds the cores under DIR");
		if (filtering || growth > 0)
			return usage_error("--batch writes whole reports: it takes no filter or --growth");
		struct gs_cli_batch_args ba = {.dir = batch, .exe = batch_exe, .opts = &opts, .by = by, .fail_on = fail_on};
		return gs_cli_batch(&ba);
	}
	if (live) {
		if (parse_pid(pidarg, &pid) != 0)
			return usage_error("-p wants a process id, a positive number, not '%s'", pidarg);
		if (argc != optind)
			return usage_error("with -p PID give no EXE or CORE (the executable is /proc/%d/exe), got '%s'",
			                   (int)pid, argv[optind]);
	} else if (growth > 0) {
		return usage_error("--growth compares two snapshots of a running process: it needs -p PID");
	} else if (argc - optind != 2 && argc - optind != 1) {
		return usage_error("expected EXE and CORE, or one goroutine dump, got %d arguments", argc - optind);
	}

	if (growth > 0 && (filtering || fail_on))
		return usage_error("--growth compares whole snapshots: it takes no --reason, --status, --func, --leaked, --id or --fail-on");
	if (growth > 0)
		return gs_cli_growth(pid, growth, &opts, by_set ? by : GS_GROUP_SITE, json, all, verbose, fail_on_growth);
	struct gs_cli_pprof pf = {.path = pprof_path};
	if (pprof_path && gs_cli_pprof_open(&pf) != 0) {
		gs_cli_say("cannot write the profile to %s (--pprof): %s", pprof_path, strerror(errno));
		return EXIT_USAGE;
	}
	int status = run_report(live, pid, pidarg, argv + optind, argc - optind, &opts, verbose,
	                        filtering ? &filter : NULL, by, json, all, fail_on, pprof_path ? &pf : NULL);
	if (pprof_path && !pf.written && pf.created)
		unlink(pprof_path); /* made by us for a profile that never came */
	return status;
}
