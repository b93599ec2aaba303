/* analyze_live.c - gs_analyze_live: the analysis of a running process.
 * Layer: runtime model (an entry point beside gs_analyze_core).  Checks the
 * process, opens its executable (/proc/PID/exe) while it still runs, then
 * stops it (the live target), reads everything through the shared
 * gs_analysis_run, which detaches as soon as the reads are done, and turns
 * a process that vanished meanwhile into one clear error.  Never prints;
 * all ptrace work stays in target_live.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* Messages about the executable name /proc/PID/exe; say "process PID
 * (path)" instead, which is what the user knows. */
static void name_process(struct gs_error *err, pid_t pid, const char *exe)
{
	char proc[64], msg[sizeof err->msg];
	int n = snprintf(proc, sizeof proc, "/proc/%d/exe", (int)pid);
	if (strncmp(err->msg, proc, (size_t)n) != 0)
		return;
	if (snprintf(msg, sizeof msg, "process %d (%.400s)%s", (int)pid, exe, err->msg + n) > 0)
		memcpy(err->msg, msg, sizeof msg);
}

int gs_analyze_live(pid_t pid, const struct gs_options *opts, struct gs_live_stats *stats, struct gs_analysis **out,
                    struct gs_error *err)
{
	char exe[4096], proc[64];
	struct gs_analysis *a;
	struct gs_target t = { 0 };
	struct gs_live_info info = { 0 };
	if (stats)
		*stats = (struct gs_live_stats){ 0 };
	if (gs_live_probe(pid, exe, sizeof exe, err) != 0)
		return -1;
	/* The executable is read through /proc, which names the very file
	 * the process runs even when the path was replaced or deleted. */
	snprintf(proc, sizeof proc, "/proc/%d/exe", (int)pid);
	if (gs_analysis_new(proc, opts, &a, err) != 0) {
		name_process(err, pid, exe);
		return -1;
	}
	a->r.kind = GS_TARGET_LIVE;
	a->r.pid = pid;
	a->r.exe = gs_arena_strdup(a->m.arena, exe);
	if (gs_target_open_live(pid, &info, &t, err) != 0) {
		if (stats)
			*stats = info.stats;
		gs_analysis_close(a);
		return -1;
	}
	int rc = gs_analysis_run(a, &t, err); /* detaches before it returns */
	if (stats)
		*stats = info.stats;
	if (info.gone) {
		gs_fail(err, GS_E_INPUT, "process %d exited while gostuck was reading it; nothing to report", (int)pid);
		rc = -1;
	} else if (rc == 0 && info.detached_by_signal) {
		gs_fail(err, GS_E_INPUT, "interrupted: process %d was let go before all of it was read", (int)pid);
		rc = -1;
	}
	if (rc != 0) {
		gs_analysis_close(a);
		return -1;
	}
	*out = a;
	return 0;
}
