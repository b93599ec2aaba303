/* cli.h - what the parts of the gostuck command share (main.c, cli_*.c):
 * exit statuses, the one-line error rule, and the commands main.c hands
 * over to.  Layer: front end; nothing here is in libgostuck. */
#ifndef GS_CLI_H
#define GS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "gostuck.h"
#include "report.h"

enum {
	EXIT_REPORT = 0,
	EXIT_FAIL_ON = 1, /* --fail-on / --fail-on-growth matched */
	EXIT_USAGE = 2,
	EXIT_INPUT = 3,
	EXIT_INTERNAL = 4,
};

/* One line on stderr, "gostuck: " first; newlines inside become spaces so
 * a message from the library can never break the one-line rule. */
void gs_cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The exit status for a library error class. */
int gs_cli_exit_code(enum gs_errcode code);

/* The stdout write failed (a full disk, a closed pipe): say so once and
 * return EXIT_INTERNAL. */
int gs_cli_write_failed(void);

/* True when the report holds a goroutine judged leaked at level
 * ("definite": definite only; "suspect": suspect or definite). */
bool gs_cli_leaks_at(const struct gs_report *r, const char *level);

/* A progress line on stderr, rewritten in place; only when stderr is a
 * terminal and not disabled.  gs_cli_progress_done clears it. */
void gs_cli_progress_enable(bool on);
void gs_cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gs_cli_progress_done(void);
/* A gs_options.progress callback drawing that line for one analysis; it
 * stays quiet for the first second. */
void gs_cli_progress_cb(void *user, const char *phase, uint64_t done, uint64_t total);
/* With GOSTUCK_TIMINGS=1 in the environment: PHASE begins now, and the
 * previous phase's wall time goes to stderr (NULL: the end). */
void gs_cli_timing(const char *phase);

/* gostuck diff BEFORE AFTER (cli_diff.c). */
struct gs_cli_diff_args {
	const char *before, *after;
	const struct gs_options *opts;
	enum gs_group_by by;
	bool json, all;
	long long fail_on_growth; /* 0: off */
};
int gs_cli_diff(const struct gs_cli_diff_args *a);

/* --growth: two live snapshots SECONDS apart (cli_diff.c). */
int gs_cli_growth(pid_t pid, double seconds, const struct gs_options *opts, enum gs_group_by by, bool json, bool all,
                  bool verbose, long long fail_on_growth);

/* --batch=DIR (cli_batch.c). */
struct gs_cli_batch_args {
	const char *dir;
	const char *exe; /* every core's executable, or NULL: found beside each core */
	const struct gs_options *opts;
	enum gs_group_by by;
	const char *fail_on; /* NULL or a level for gs_cli_leaks_at */
};
int gs_cli_batch(const struct gs_cli_batch_args *a);

/* --pprof FILE (cli_pprof.c).  Opened before the analysis, so a path that
 * cannot be written fails at once rather than after a long analysis;
 * created then when missing, but an existing file is truncated only when
 * the profile is written, so a failed analysis leaves it as it was. */
struct gs_cli_pprof {
	const char *path;
	FILE *f;
	bool created; /* by gs_cli_pprof_open: removed again when nothing is written */
	bool written;
};
int gs_cli_pprof_open(struct gs_cli_pprof *pf);
/* Write r's goroutine profile to pf and close it.  0, or -1 with the error
 * said on stderr. */
int gs_cli_pprof_write(struct gs_cli_pprof *pf, const struct gs_report *r, bool all);

/* Analyze -p PID (main.c), with --verbose's pause line. */
int gs_cli_analyze_pid(pid_t pid, const struct gs_options *opts, bool verbose, struct gs_analysis **out);

#endif
