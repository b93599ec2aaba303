/* procfs.c - small readers of /proc for the live target (procfs.h).
 * Layer: target.  Every loop over a /proc file is bounded. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

/* The value of "Key:" in /proc/PID/status (or /proc/PID/task/TID/status)
 * into buf; 0 or -1. */
int gs_proc_status_field(const char *path, const char *key, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char line[512];
	size_t klen = strlen(key);
	int rc = -1;
	for (int i = 0; i < 200 && fgets(line, sizeof line, f); i++) {
		if (strncmp(line, key, klen) != 0 || line[klen] != ':')
			continue;
		const char *v = line + klen + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		snprintf(buf, len, "%s", v);
		buf[strcspn(buf, "\n")] = 0;
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

long gs_proc_status_long(pid_t pid, const char *key)
{
	char path[64], buf[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (gs_proc_status_field(path, key, buf, sizeof buf) != 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* The one-letter state of a task from /proc/.../stat, or 0. */
char gs_proc_task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	const char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	return p && p[1] == ' ' ? p[2] : 0;
}

void gs_proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	snprintf(buf, len, "?");
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

int64_t gs_proc_rw_mappings(pid_t pid, size_t max, struct gs_proc_range **out, size_t *n)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	struct gs_proc_range *v = NULL;
	size_t len = 0, cap = 0;
	uint64_t total = 0;
	while (fgets(line, sizeof line, f) && len < max) {
		unsigned long long lo, hi;
		char perms[8];
		if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 || hi <= lo || perms[0] != 'r' ||
		    perms[1] != 'w' || strstr(line, "[vvar") || strstr(line, "[vsyscall]"))
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 64;
			struct gs_proc_range *nv = realloc(v, cap * sizeof *v);
			if (!nv) {
				free(v);
				fclose(f);
				return -1;
			}
			v = nv;
		}
		v[len++] = (struct gs_proc_range){ .lo = lo, .hi = hi };
		total += hi - lo;
	}
	fclose(f);
	*out = v;
	*n = len;
	return (int64_t)total;
}
