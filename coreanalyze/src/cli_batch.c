/* cli_batch.c - `gostuck --batch=DIR`: every core file under DIR (found by
 * its ELF header, at most 8 directories deep), each paired with its
 * executable, analyzed in turn and written as one JSON report per line
 * (JSON lines) on stdout; a core that cannot be analyzed gets a line with
 * "error" instead, and the run goes on.  Pairing, when --exe is not
 * given: the executable in the core's own directory — the only one there,
 * or the one whose name the core records (NT_PRPSINFO, 15 bytes).  Layer:
 * front end. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define MAX_DEPTH 8
#define MAX_FILES 1000000

struct paths {
	char **v;
	size_t n, cap;
};

static int push(struct paths *p, char *s)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		char **v = realloc(p->v, cap * sizeof *v);
		if (!v)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = s;
	return 0;
}

static void free_paths(struct paths *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every core under dir (regular files, symlinks not followed). */
static int find_cores(const char *dir, int depth, struct paths *cores, size_t *seen)
{
	DIR *d = opendir(dir);
	if (!d)
		return depth == 0 ? -1 : 0;
	struct dirent *e;
	while ((e = readdir(d)) && *seen < MAX_FILES) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		(*seen)++;
		char *p;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			break;
		struct stat st;
		if (lstat(p, &st) != 0) {
			free(p);
			continue;
		}
		if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			find_cores(p, depth + 1, cores, seen);
			free(p);
		} else if (S_ISREG(st.st_mode) && gs_file_kind(p) == GS_FILE_CORE) {
			if (push(cores, p) != 0)
				free(p);
		} else {
			free(p);
		}
	}
	closedir(d);
	return 0;
}

/* The executable beside core, or NULL with why filled. */
static char *exe_for(const char *core, char *why, size_t nwhy)
{
	char *dir = strdup(core);
	if (!dir)
		return NULL;
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	char cmd[32] = "";
	gs_core_command(core, cmd, sizeof cmd);
	DIR *d = opendir(slash ? dir : ".");
	char *only = NULL, *named = NULL;
	size_t nexe = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) && nexe < 10000) {
		char *p;
		if (e->d_name[0] == '.' || asprintf(&p, "%s/%s", slash ? dir : ".", e->d_name) < 0)
			continue;
		struct stat st;
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111) || gs_file_kind(p) != GS_FILE_EXEC) {
			free(p);
			continue;
		}
		nexe++;
		/* pr_fname holds the first 15 bytes of the executable's name */
		if (!named && cmd[0] && !strncmp(e->d_name, cmd, 15) && strlen(e->d_name) >= strlen(cmd)) {
			named = p;
			continue;
		}
		free(only);
		only = p;
	}
	if (d)
		closedir(d);
	char *r = named ? named : nexe == 1 ? only : NULL;
	if (r != only)
		free(only);
	if (!r)
		snprintf(why, nwhy,
		         nexe == 0 ? "no executable in %s to pair with the core; give --exe=PATH"
		                   : "several executables in %s and none named as the core records; give --exe=PATH",
		         slash ? dir : ".");
	free(dir);
	return r;
}

static void error_line(const char *exe, const char *core, const char *msg)
{
	printf("{\"schema\":%d,\"tool\":\"gostuck\",\"version\":\"%s\",\"target\":{\"kind\":\"core\",\"exe\":", GS_SCHEMA,
	       GS_VERSION);
	gs_report_json_string(stdout, exe);
	fputs(",\"core\":", stdout);
	gs_report_json_string(stdout, core);
	fputs("},\"error\":", stdout);
	gs_report_json_string(stdout, msg);
	fputs("}\n", stdout);
}

int gs_cli_batch(const struct gs_cli_batch_args *a)
{
	struct paths cores = { 0 };
	size_t seen = 0;
	if (find_cores(a->dir, 0, &cores, &seen) != 0) {
		gs_cli_say("cannot read directory %s: %s", a->dir, strerror(errno));
		return EXIT_INPUT;
	}
	if (cores.n > 1) /* qsort's array may not be NULL, and is when no core was found */
		qsort(cores.v, cores.n, sizeof *cores.v, cmp_str);
	size_t failed = 0, matched = 0;
	struct gs_options opts = *a->opts;
	opts.progress = NULL; /* the line says which core; the phases would overwrite it */
	int status = EXIT_REPORT;
	for (size_t i = 0; i < cores.n && status == EXIT_REPORT; i++) {
		const char *core = cores.v[i];
		gs_cli_progress("core %zu of %zu: %s", i + 1, cores.n, core);
		char why[600];
		char *exe = a->exe ? strdup(a->exe) : exe_for(core, why, sizeof why);
		struct gs_analysis *an = NULL;
		struct gs_error err = { 0 };
		if (!exe) {
			error_line(NULL, core, why);
			failed++;
		} else if (gs_analyze_core(exe, core, &opts, &an, &err) != 0) {
			error_line(exe, core, err.msg[0] ? err.msg : "the analysis failed (no reason given)");
			failed++;
		} else {
			const struct gs_report *r = gs_analysis_report(an);
			struct gs_groups *g = gs_group(r, a->by);
			struct gs_view_options vo = { .one_line = true };
			if (!g) {
				gs_cli_say("out of memory grouping %s", core);
				status = EXIT_INTERNAL;
			} else if (gs_report_json(stdout, r, g, &vo) != 0) {
				status = gs_cli_write_failed();
			}
			matched += a->fail_on && gs_cli_leaks_at(r, a->fail_on);
			gs_groups_free(g);
			gs_analysis_close(an);
		}
		free(exe);
		if (status == EXIT_REPORT && (ferror(stdout) || fflush(stdout) != 0))
			status = gs_cli_write_failed();
	}
	gs_cli_progress_done();
	size_t n = cores.n;
	free_paths(&cores);
	if (status != EXIT_REPORT)
		return status;
	if (fclose(stdout) != 0)
		return gs_cli_write_failed();
	if (n == 0) {
		gs_cli_say("no core file under %s", a->dir);
		return EXIT_INPUT;
	}
	if (failed) {
		gs_cli_say("%zu of %zu cores could not be analyzed (their lines say why)", failed, n);
		return EXIT_INPUT;
	}
	return matched ? EXIT_FAIL_ON : EXIT_REPORT;
}
