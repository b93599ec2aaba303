/* procfs.h - small readers of /proc for the live target.  Layer: target.
 * They read only /proc files of the process named, never ptrace, and know
 * nothing about Go. */
#ifndef GS_PROCFS_H
#define GS_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The value of "Key:" in a /proc/.../status file at path into buf
 * (NUL-terminated, len bytes); 0 or -1. */
int gs_proc_status_field(const char *path, const char *key, char *buf, size_t len);

/* The number in "Key:" of /proc/PID/status, or -1. */
long gs_proc_status_long(pid_t pid, const char *key);

/* The one-letter state of task tid of pid (/proc/PID/task/TID/stat), or 0. */
char gs_proc_task_state(pid_t pid, pid_t tid);

/* /proc/PID/comm into buf ("?" when unreadable). */
void gs_proc_comm(pid_t pid, char *buf, size_t len);

struct gs_proc_range {
	uint64_t lo, hi;
};

/* The writable mappings of pid ("rw" in /proc/PID/maps, not [vvar] or
 * [vsyscall]), ascending, at most max of them, into *out (malloc'd, the
 * caller frees) and *n.  Returns their total size in bytes, or -1. */
int64_t gs_proc_rw_mappings(pid_t pid, size_t max, struct gs_proc_range **out, size_t *n);

#endif
