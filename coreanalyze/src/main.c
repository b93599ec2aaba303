/* main.c - the gostuck command: parses options, runs one analysis of a core
 * and its executable, or of a live process (-p), through libgostuck, groups
 * the goroutines and writes the text or JSON view to stdout (and with
 * --pprof the goroutine profile to a file); with --growth,
 * two snapshots of a live process and the groups that grew between them
 * (a small comparison by group key, kept here until saved-report diffs
 * give the library one).  Layer: front end, above the library.  It owns
 * stdout, stderr and the exit status (0 report written, 1 internal
 * error, 2 usage, 3 unreadable or unsuitable input); every error is one
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

#include "gostuck.h"
#include "report.h"

enum {
	EXIT_REPORT = 0,
	EXIT_INTERNAL = 1,
	EXIT_USAGE = 2,
	EXIT_INPUT = 3,
};

#define MAX_FRAMES_LIMIT 1000000
#define MAX_GROWTH_SECONDS 86400

static const char usage_text[] =
	"usage: gostuck [options] EXE CORE\n"
	"       gostuck [options] -p PID\n"
	"\n"
	"Report every goroutine of a Go program from its core dump, or of a running\n"
	"Go process, as the Go runtime's own crash traceback would print it,\n"
	"grouped by stack.\n"
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
	"\n"
	"exit status: 0 report written (even with warnings), 1 internal error or\n"
	"an output that could not be written, 2 usage error (also: the --pprof file\n"
	"cannot be created), 3 input unreadable or not a supported Go program/core.\n"
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

enum { OPT_JSON = 256, OPT_GROUP_BY, OPT_ALL, OPT_MAX_FRAMES, OPT_VERSION, OPT_VERBOSE, OPT_GROWTH,
       OPT_SUSPECT_MINUTES, OPT_SUSPECT_COUNT, OPT_REASON, OPT_STATUS, OPT_FUNC, OPT_LEAKED, OPT_ID, OPT_PPROF };

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
	say("process %d was stopped for %.3f ms (%zu threads, stopped in %.3f ms; %llu reads, %.1f KiB)", (int)pid,
	    (double)st->pause_ns / 1e6, st->nthreads, (double)st->attach_ns / 1e6, (unsigned long long)st->nsyscalls,
	    (double)st->bytes / 1024.0);
}

static int analyze_pid(pid_t pid, const struct gs_options *opts, bool verbose, struct gs_analysis **out)
{
	struct gs_error err = {0};
	struct gs_live_stats st;
	int rc = gs_analyze_live(pid, opts, &st, out, &err);
	if (verbose)
		say_pause(pid, &st);
	if (rc == 0)
		return EXIT_REPORT;
	if (err.msg[0])
		say("%s", err.msg);
	else
		say("analyzing process %d failed (no reason given)", (int)pid);
	return exit_code_of(err.code);
}

/* ---- --growth: two snapshots of a live process, compared by group key ---- */

struct growth_row {
	const char *key;
	size_t before, after;
};

static int growth_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct growth_row *)a)->key, ((const struct growth_row *)b)->key);
}

static int growth_delta_cmp(const void *a, const void *b)
{
	const struct growth_row *x = a, *y = b;
	size_t dx = x->after - x->before, dy = y->after - y->before;
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Only runtime-internal members (hidden unless --all, as in the report). */
static bool group_is_system(const struct gs_report *r, const struct gs_group *g)
{
	for (size_t i = 0; i < g->count; i++)
		if (!r->goroutines[g->members[i]].system)
			return false;
	return true;
}

/* The groups of g as rows sorted by key (before when first, else after). */
static struct growth_row *growth_rows(const struct gs_report *r, const struct gs_groups *g, bool all,
                                      bool first, size_t *n)
{
	struct growth_row *rows = calloc(g->ngroups ? g->ngroups : 1, sizeof *rows);
	*n = 0;
	if (!rows)
		return NULL;
	for (size_t i = 0; i < g->ngroups; i++) {
		if (!all && group_is_system(r, &g->groups[i]))
			continue;
		rows[*n] = (struct growth_row){.key = g->groups[i].key};
		if (first)
			rows[*n].before = g->groups[i].count;
		else
			rows[*n].after = g->groups[i].count;
		(*n)++;
	}
	qsort(rows, *n, sizeof *rows, growth_key_cmp);
	return rows;
}

/* Merge the two sorted row lists and keep the groups that grew, largest
 * growth first.  NULL out of memory. */
static struct growth_row *growth_diff(const struct growth_row *a, size_t na, const struct growth_row *b, size_t nb,
                                      size_t *n)
{
	struct growth_row *out = calloc(na + nb + 1, sizeof *out);
	size_t i = 0, j = 0;
	*n = 0;
	if (!out)
		return NULL;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i].key, b[j].key);
		if (c < 0) {
			i++; /* gone or shrunk to nothing: not growth */
			continue;
		}
		struct growth_row row = {.key = b[j].key, .after = b[j].after, .before = c == 0 ? a[i].before : 0};
		if (c == 0)
			i++;
		j++;
		if (row.after > row.before)
			out[(*n)++] = row;
	}
	qsort(out, *n, sizeof *out, growth_delta_cmp);
	return out;
}

static int growth_print(FILE *f, bool json, pid_t pid, double seconds, enum gs_group_by by,
                        const struct gs_report *ra, const struct gs_report *rb, const struct growth_row *rows, size_t n)
{
	if (json) {
		fprintf(f, "{\"schema\":%d,\"tool\":\"gostuck\",\"version\":\"%s\",\"growth\":{\"pid\":%d,\"exe\":",
		        GS_SCHEMA, GS_VERSION, (int)pid);
		gs_report_json_string(f, rb->exe ? rb->exe : "");
		fprintf(f, ",\"interval_seconds\":%g,\"group_by\":\"%s\",\"before\":{\"goroutines\":%zu},"
		        "\"after\":{\"goroutines\":%zu},\"groups\":[",
		        seconds, gs_group_by_name(by), ra->ngoroutines, rb->ngoroutines);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ",{\"key\":" : "{\"key\":", f);
			gs_report_json_string(f, rows[i].key);
			fprintf(f, ",\"before\":%zu,\"after\":%zu,\"delta\":%zu}", rows[i].before, rows[i].after,
			        rows[i].after - rows[i].before);
		}
		fputs("]}}\n", f);
	} else {
		fprintf(f, "process %d (%s), %s: %zu goroutines, %g s later %zu (%+lld)\n", (int)pid,
		        rb->exe ? rb->exe : "?", rb->go_version ? rb->go_version : "unknown Go version", ra->ngoroutines,
		        seconds, rb->ngoroutines, (long long)rb->ngoroutines - (long long)ra->ngoroutines);
		if (n == 0) {
			fprintf(f, "no group grew (grouped by %s)\n", gs_group_by_name(by));
		} else {
			fprintf(f, "%zu group%s grew (grouped by %s):\n%8s %8s %8s  %s\n", n, n == 1 ? "" : "s",
			        gs_group_by_name(by), "before", "after", "delta", "key");
			for (size_t i = 0; i < n; i++)
				fprintf(f, "%8zu %8zu %+8lld  %s\n", rows[i].before, rows[i].after,
				        (long long)(rows[i].after - rows[i].before), rows[i].key);
		}
	}
	return ferror(f) || fflush(f) != 0 ? -1 : 0;
}

static int run_growth(pid_t pid, double seconds, const struct gs_options *opts, enum gs_group_by by, bool json,
                      bool all, bool verbose)
{
	struct gs_analysis *a = NULL, *b = NULL;
	struct gs_groups *ga = NULL, *gb = NULL;
	struct growth_row *ra = NULL, *rb = NULL, *rows = NULL;
	size_t na = 0, nb = 0, n = 0;
	struct gs_options o = *opts;
	o.include_dead = false; /* exited goroutines kept for reuse are not growth */
	opts = &o;
	int status = analyze_pid(pid, opts, verbose, &a);
	if (status != EXIT_REPORT)
		return status;
	struct timespec t = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
	status = analyze_pid(pid, opts, verbose, &b);
	if (status != EXIT_REPORT)
		goto out;
	const struct gs_report *rpa = gs_analysis_report(a), *rpb = gs_analysis_report(b);
	ga = gs_group(rpa, by);
	gb = gs_group(rpb, by);
	if (ga && gb)
		ra = growth_rows(rpa, ga, all, true, &na);
	if (ra)
		rb = growth_rows(rpb, gb, all, false, &nb);
	if (rb)
		rows = growth_diff(ra, na, rb, nb, &n);
	if (!rows) {
		say("out of memory comparing the two snapshots");
		status = EXIT_INTERNAL;
		goto out;
	}
	errno = 0;
	if (growth_print(stdout, json, pid, seconds, by, rpa, rpb, rows, n) != 0 || fclose(stdout) != 0)
		status = write_failed();
out:
	free(rows);
	free(ra);
	free(rb);
	gs_groups_free(ga);
	gs_groups_free(gb);
	gs_analysis_close(a);
	gs_analysis_close(b);
	return status;
}

/* ---- one snapshot: the report on stdout, and the profile (--pprof) ---- */

/* --pprof FILE.  Opened before the analysis, so a path that cannot be
 * written fails at once rather than after a long analysis; created then
 * when missing, but an existing file is truncated only when the profile
 * is written, so a failed analysis leaves it as it was. */
struct pprof_file {
	const char *path;
	FILE *f;
	bool created; /* by pprof_open: removed again when nothing is written */
	bool written;
};

static int pprof_open(struct pprof_file *pf)
{
	int fd = open(pf->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	pf->created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(pf->path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	pf->f = fdopen(fd, "wb");
	if (!pf->f) {
		int e = errno;
		close(fd);
		if (pf->created)
			unlink(pf->path);
		errno = e;
		return -1;
	}
	return 0;
}

/* Write r's goroutine profile to pf and close it.  0, or -1 with the
 * error said on stderr. */
static int pprof_write(struct pprof_file *pf, const struct gs_report *r, bool all)
{
	struct stat st;
	struct gs_view_options view = {.all = all};
	errno = 0;
	int rc = fstat(fileno(pf->f), &st) == 0 && S_ISREG(st.st_mode) ? ftruncate(fileno(pf->f), 0) : 0;
	if (rc == 0)
		rc = gs_report_pprof(pf->f, r, &view);
	int e = errno;
	if (fclose(pf->f) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	pf->f = NULL;
	pf->written = rc == 0;
	if (rc < 0)
		say("writing the profile to %s: %s", pf->path, e ? strerror(e) : "write error");
	return rc;
}

/* What main asks for one snapshot. */
struct report_run {
	bool live;
	pid_t pid;
	const char *what;              /* the pid or the core, for messages */
	const char *exe, *core;        /* without live */
	const struct gs_options *opts;
	bool verbose;
	const struct gs_filter *filter; /* NULL: every goroutine */
	enum gs_group_by by;
	bool json, all;
};

/* Analyze, select, write the profile to pf (when not NULL, and first, so
 * a reader of stdout that goes away cannot lose it), then the report to
 * stdout.  Returns the exit status; pf is closed when it was written. */
static int run_report(const struct report_run *run, struct pprof_file *pf)
{
	struct gs_analysis *a = NULL;
	if (run->live) {
		int status = analyze_pid(run->pid, run->opts, run->verbose, &a);
		if (status != EXIT_REPORT)
			return status;
	} else {
		struct gs_error err = {0};
		if (gs_analyze_core(run->exe, run->core, run->opts, &a, &err) < 0) {
			if (err.msg[0])
				say("%s", err.msg);
			else
				say("analyzing %s with %s failed (no reason given)", run->core, run->exe);
			return exit_code_of(err.code);
		}
	}
	const struct gs_report *r = gs_analysis_report(a);
	if (!r) {
		say("the analysis of %s returned no report", run->what);
		gs_analysis_close(a);
		return EXIT_INTERNAL;
	}
	struct gs_report *filtered = NULL;
	if (run->filter) {
		filtered = gs_report_filter(r, run->filter);
		if (!filtered) {
			say("out of memory selecting goroutines");
			gs_analysis_close(a);
			return EXIT_INTERNAL;
		}
		r = filtered;
	}
	struct gs_groups *groups = gs_group(r, run->by);
	if (!groups) {
		say("out of memory grouping %zu goroutines", r->ngoroutines);
		gs_report_filtered_free(filtered);
		gs_analysis_close(a);
		return EXIT_INTERNAL;
	}

	int status = EXIT_REPORT;
	if (pf && pprof_write(pf, r, run->all) != 0)
		status = EXIT_INTERNAL;
	struct gs_view_options view = {.all = run->all};
	errno = 0;
	int rc = run->json ? gs_report_json(stdout, r, groups, &view) : gs_report_text(stdout, r, groups, &view);
	if (rc < 0) {
		if (errno == ENOMEM)
			say("out of memory writing the report");
		else
			write_failed();
		status = EXIT_INTERNAL;
	}
	gs_groups_free(groups);
	gs_report_filtered_free(filtered);
	gs_analysis_close(a);
	if (rc == 0 && fclose(stdout) != 0)
		return write_failed();
	return status;
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
	bool filtering = false;
	static uint64_t ids[MAX_IDS];
	const char *pprof_path = NULL;

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
		case OPT_PPROF:
			if (!optarg[0])
				return usage_error("--pprof wants the name of the file to write the profile to");
			pprof_path = optarg;
			break;
		case 'p':
			live = true;
			pidarg = optarg;
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
		if (parse_pid(pidarg, &pid) != 0)
			return usage_error("-p wants a process id, a positive number, not '%s'", pidarg);
		if (argc != optind)
			return usage_error("with -p PID give no EXE or CORE (the executable is /proc/%d/exe), got '%s'",
			                   (int)pid, argv[optind]);
	} else if (growth > 0) {
		return usage_error("--growth compares two snapshots of a running process: it needs -p PID");
	} else if (argc - optind != 2) {
		return usage_error("expected 2 arguments, EXE and CORE, got %d", argc - optind);
	}

	struct gs_options opts = {.include_dead = all,
	                          .max_frames = max_frames,
	                          .suspect_minutes = suspect_minutes,
	                          .suspect_count = suspect_count};
	if (growth > 0 && filtering)
		return usage_error("--growth compares whole snapshots: it takes no --reason, --status, --func, --leaked or --id");
	if (growth > 0 && pprof_path)
		return usage_error("--pprof writes one snapshot's profile: it does not combine with --growth");
	if (growth > 0)
		return run_growth(pid, growth, &opts, by_set ? by : GS_GROUP_SITE, json, all, verbose);
	struct report_run run = {.live = live, .pid = pid, .what = live ? pidarg : argv[optind + 1],
	                         .exe = live ? NULL : argv[optind], .core = live ? NULL : argv[optind + 1],
	                         .opts = &opts, .verbose = verbose, .filter = filtering ? &filter : NULL,
	                         .by = by, .json = json, .all = all};
	struct pprof_file pf = {.path = pprof_path};
	if (pprof_path && pprof_open(&pf) != 0) {
		say("cannot write the profile to %s (--pprof): %s", pprof_path, strerror(errno));
		return EXIT_USAGE;
	}
	int status = run_report(&run, pprof_path ? &pf : NULL);
	if (pprof_path && !pf.written && pf.created)
		unlink(pprof_path); /* made by us for a profile that never came */
	return status;
}
