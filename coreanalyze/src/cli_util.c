/* cli_util.c - the gostuck command's small shared pieces: the one-line
 * error rule, exit statuses, leak levels and the progress line.  Layer:
 * front end. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void gs_cli_say(const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	gs_cli_progress_done();
	fprintf(stderr, "gostuck: %s\n", msg);
}

int gs_cli_exit_code(enum gs_errcode code)
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

int gs_cli_write_failed(void)
{
	int e = errno;
	gs_cli_say("writing the report to standard output: %s", e ? strerror(e) : "write error");
	return EXIT_INTERNAL;
}

bool gs_cli_leaks_at(const struct gs_report *r, const char *level)
{
	bool suspect_too = !strcmp(level, "suspect");
	for (size_t i = 0; i < r->ngoroutines; i++) {
		const struct gs_leak *l = r->goroutines[i].leak;
		if (l && (!strcmp(l->verdict, "definite") || (suspect_too && !strcmp(l->verdict, "suspect"))))
			return true;
	}
	return false;
}

static bool progress_on, progress_shown;
static struct timespec progress_start, progress_last;

static double since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

void gs_cli_progress_enable(bool on)
{
	progress_on = on && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &progress_start);
	progress_last = progress_start;
}

/* GOSTUCK_TIMINGS=1 (for profiling, see README "Speed"): each phase's
 * wall time on stderr as the next one starts, and at the end. */
static const char *timing_phase;
static struct timespec timing_t0;

void gs_cli_timing(const char *phase)
{
	static int on = -1;
	if (on < 0) {
		const char *e = getenv("GOSTUCK_TIMINGS");
		on = e && *e && strcmp(e, "0") != 0;
		clock_gettime(CLOCK_MONOTONIC, &timing_t0);
	}
	if (!on || (phase && timing_phase && strcmp(phase, timing_phase) == 0))
		return;
	if (timing_phase) {
		/* and the memory at its end: our own (anonymous) and the
		 * files' pages mapped here (the core's) */
		char line[256];
		long anon = -1, file = -1;
		FILE *f = fopen("/proc/self/status", "r");
		while (f && fgets(line, sizeof line, f)) {
			sscanf(line, "RssAnon: %ld", &anon);
			sscanf(line, "RssFile: %ld", &file);
		}
		if (f)
			fclose(f);
		fprintf(stderr, "gostuck: timing: %-14s %8.3f s  anon %5ld MB  file %5ld MB\n", timing_phase,
		        since(&timing_t0), anon / 1024, file / 1024);
	}
	timing_phase = phase;
	clock_gettime(CLOCK_MONOTONIC, &timing_t0);
}

void gs_cli_progress_cb(void *user, const char *phase, uint64_t done, uint64_t total)
{
	(void)user;
	gs_cli_timing(phase);
	/* Only for long analyses (a second and more), at most ten times a
	 * second: a quick report never flickers a progress line. */
	if (!progress_on || since(&progress_start) < 1.0 || (progress_shown && since(&progress_last) < 0.1))
		return;
	clock_gettime(CLOCK_MONOTONIC, &progress_last);
	if (total)
		gs_cli_progress("%s: %llu of %llu goroutines (%.0f%%)", phase, (unsigned long long)done,
		                (unsigned long long)total, 100.0 * (double)done / (double)total);
	else
		gs_cli_progress("%s", phase);
}

void gs_cli_progress(const char *fmt, ...)
{
	if (!progress_on)
		return;
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* \r and erase-to-end-of-line: one line, rewritten in place */
	fprintf(stderr, "\rgostuck: %s\033[K", msg);
	fflush(stderr);
	progress_shown = true;
}

void gs_cli_progress_done(void)
{
	if (!progress_shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	progress_shown = false;
}
