/* cli_util.c - the gostuck command's small shared pieces: the one-line
 * error rule, exit statuses, leak levels and the progress line.  Layer:
 * front end. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <string.h>
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

void gs_cli_progress_enable(bool on)
{
	progress_on = on && isatty(STDERR_FILENO);
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
