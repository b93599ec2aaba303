/* gostuck.h - the public interface of libgostuck.
 *
 * One analysis of one target (a core file and its executable, later a live
 * process or a gdb callback target) produces one report: every goroutine the
 * Go runtime knows, as data.  Views (text, JSON, pprof) and analyses
 * (grouping, leak verdicts) are functions over that report.  The library never
 * prints and never exits; callers own stdout, stderr and exit codes.
 *
 * Ownership: every pointer reachable from a report is owned by the analysis
 * (its arena, or the executable it keeps mapped) and stays valid until
 * gs_analysis_close().  Results are borrowed const pointers.
 */
#ifndef GOSTUCK_H
#define GOSTUCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GS_EXPORT __attribute__((visibility("default")))

#define GS_VERSION "0.1.0"
#define GS_SCHEMA 1

/* Error classes of a fatal error (gs_error.code). */
enum gs_errcode {
	GS_E_OK = 0,
	GS_E_USAGE,       /* the caller asked for something impossible */
	GS_E_INPUT,       /* input missing, unreadable, truncated or not what it should be */
	GS_E_MISMATCH,    /* the core does not belong to the executable */
	GS_E_UNSUPPORTED, /* a Go binary we cannot analyze (arch, version, no DWARF) */
	GS_E_NOMEM,
};

struct gs_error {
	enum gs_errcode code;
	char msg[1024]; /* one line, no trailing newline, says what and what to do */
};

/* One frame of a goroutine's stack, as the runtime's traceback prints it.
 * Goroutines stopped at the same stack share one frames array (a million
 * goroutines keep a few hundred), so a frame carries no stack pointer:
 * gs_goroutine_start gives the innermost one. */
struct gs_frame {
	const char *func; /* as printed ("main.worker", "panic", "main.F[...]") */
	const char *file; /* as compiled into the binary */
	int64_t line;
	uint64_t pc;      /* the frame's pc (a return address for callers) */
	bool inlined;     /* an inlined call expanded from the next physical frame */
};

struct gs_label {
	const char *key;
	const char *value;
};

/* A runtime object goroutines block on (a channel, a mutex...), shared by
 * all its waiters.  Unknown numbers are -1, unknown strings NULL. */
struct gs_object {
	const char *kind;      /* "chan", "mutex", "rwmutex", "waitgroup", "cond",
	                        * "sema", "timer", "netpoll" */
	uint64_t addr;         /* the object (for sync types: the struct, not its sema) */
	const char *symbol;    /* "main.mu+0x8" when addr is inside a global, else NULL */
	uint64_t heap_base;    /* the heap object addr lies in (0 when not in the heap) */
	/* chan */
	const char *elem_type; /* as the runtime's type descriptor names it */
	int64_t cap, len;
	int closed;            /* 0/1, -1 unknown */
	const uint64_t *senders, *receivers; /* goroutine ids, ascending */
	size_t nsenders, nreceivers;
	/* sync primitives: the goroutines blocked on it, ascending ids */
	const uint64_t *waiters;
	size_t nwaiters;
	int64_t state;         /* mutex state word, WaitGroup state (counter<<32|waiters), or -1 */
	int locked;            /* mutex: 0/1, -1 unknown */
	int64_t counter;       /* WaitGroup counter; RWMutex readerCount (negative while a
	                        * writer waits, as the runtime keeps it); INT64_MIN unknown */
	/* timer */
	int64_t when;          /* runtime nanotime when it fires, -1 unknown */
	int64_t fires_in_ms;   /* relative to the snapshot's newest timestamp, -1 unknown */
	/* netpoll */
	int64_t fd;
	int reachable;         /* 1/0, -1 when not decided */
	/* Read back from a saved report, which lists only the lowest ids: the
	 * whole lists' lengths (0 when the lists above are whole). */
	size_t nsenders_all, nreceivers_all, nwaiters_all;
};

/* What one goroutine waits on: an object, and its role there. */
struct gs_wait {
	const char *kind;            /* the object's kind, or "nil_chan", "select_no_cases" */
	const struct gs_object *obj; /* NULL when there is no object */
	const char *dir;             /* chan: "send" or "recv"; NULL otherwise */
	bool select_case;            /* one case of a select */
};

struct gs_leak {
	const char *verdict; /* "definite" or "suspect" */
	const char *reason;  /* one sentence */
};

/* A goroutine.  Strings that are unknown are NULL; numbers that are unknown
 * carry a has_/negative marker as documented per field. */
struct gs_goroutine {
	uint64_t id;              /* goid */
	uint64_t gaddr;           /* address of the runtime.g */
	uint32_t rawstatus;       /* g.atomicstatus as read */
	const char *status;       /* runtime's name, lower case, scan bit removed;
	                           * "leaked" for Go 1.26's _Gleaked */
	const char *wait_reason;  /* NULL when not waiting */
	int64_t wait_minutes;     /* -1 when the runtime would print none / unknown */
	bool system;              /* runtime-internal (isSystemGoroutine) */
	bool locked;              /* g.lockedm != 0 */

	const struct gs_frame *frames; /* innermost first */
	size_t nframes;
	bool frames_truncated;   /* our own frame bound stopped the walk */
	const char *stack_error; /* why the walk stopped early, or NULL */

	bool has_created;
	struct gs_frame created;  /* the go statement (func/file/line/pc) */
	int64_t parent_id;        /* -1 when the runtime does not record it */

	const struct gs_label *labels; /* sorted by key */
	size_t nlabels;

	const struct gs_wait *waits;   /* what it is blocked on; empty when unknown */
	size_t nwaits;
	const struct gs_leak *leak;    /* NULL when not judged leaked */
};

enum gs_target_kind { GS_TARGET_CORE, GS_TARGET_LIVE, GS_TARGET_DUMP };

struct gs_report {
	enum gs_target_kind kind;
	const char *exe;        /* path or NULL */
	const char *core;       /* path or NULL */
	int64_t pid;            /* -1 when none */
	const char *go_version; /* "go1.26.0" or NULL */
	const char *arch;       /* "amd64" */
	const char *build_id;   /* GNU build id hex, else Go build id, else NULL */

	/* Module paths of the program (main module first), from the build
	 * info the linker embeds; used to tell user code from the standard
	 * library.  May be empty. */
	const char *const *modules;
	size_t nmodules;

	const struct gs_goroutine *goroutines; /* in allgs order, dead ones excluded
	                                        * unless requested */
	size_t ngoroutines;

	const char *const *warnings;
	size_t nwarnings;
};

struct gs_options {
	bool include_dead;   /* report _Gdead goroutines too */
	size_t max_frames;   /* per goroutine; 0 means the default (10000) */
	int64_t suspect_minutes; /* suspect a goroutine blocked this long; 0: 5 */
	size_t suspect_count;    /* suspect goroutines in a pile at one site this big; 0: 100 */
	/* Called now and then during an analysis, when not NULL: the phase
	 * ("goroutines", "wait objects", "reachability"), how far it is and
	 * of how much (total 0: unknown).  It runs on the analyzing thread,
	 * while a live target may be stopped: it must be quick and must not
	 * call into the library. */
	void (*progress)(void *user, const char *phase, uint64_t done, uint64_t total);
	void *progress_user;
};

struct gs_analysis;

/* Analyze a core file of a Go program.
 * exe: the executable that produced the core; core: the core file.
 * Returns 0 and *out on success (warnings may still be present in the
 * report); -1 and a filled *err on a fatal error.  The analysis owns
 * everything the report points to. */
GS_EXPORT int gs_analyze_core(const char *exe, const char *core, const struct gs_options *opts,
                              struct gs_analysis **out, struct gs_error *err);

/* Read a goroutine dump the runtime printed, or a report gostuck saved,
 * into a report (kind GS_TARGET_DUMP, core = path): runtime.Stack(buf,
 * true) output and /debug/pprof/goroutine?debug=2 (the same text), a panic
 * or GOTRACEBACK=crash traceback (a goroutine printed in its thread's
 * section and again in the main dump is reported once), ?debug=1 (counted
 * stacks: each stack's goroutines share its frames and have id 0, meaning
 * unknown, and no status), or a JSON report of any target kind (which keeps
 * its own verdicts).  The format is detected; path "-" reads standard
 * input.  What a text dump does not show is unknown: no wait objects, no
 * pc where none is printed (0), no Go version.  Leak verdicts: definite
 * where the runtime printed "(leaked)" (Go 1.26+), suspect by opts'
 * thresholds.  Returns 0 and *out, or -1 and *err: GS_E_INPUT for a file
 * that is none of these formats or is unreadable, GS_E_USAGE for an ELF
 * file (a core wants its executable too). */
GS_EXPORT int gs_analyze_dump(const char *path, const struct gs_options *opts, struct gs_analysis **out,
                              struct gs_error *err);

/* What a file is, from its ELF header: a core, an executable (or shared
 * object), or anything else (not ELF, unreadable). */
enum gs_file_kind { GS_FILE_OTHER, GS_FILE_EXEC, GS_FILE_CORE };
GS_EXPORT enum gs_file_kind gs_file_kind(const char *path);

/* The command name the kernel recorded in a core (NT_PRPSINFO's pr_fname:
 * the executable's base name, cut to 15 bytes) into buf.  0, or -1 when the
 * core has none or is unreadable. */
GS_EXPORT int gs_core_command(const char *core, char *buf, size_t n);

/* What analyzing a live process cost it (gs_analyze_live). */
struct gs_live_stats {
	uint64_t pause_ns;  /* from the first thread stopped to the last one resumed */
	uint64_t attach_ns; /* of which stopping every thread took this */
	size_t nthreads;    /* threads stopped */
	uint64_t nsyscalls; /* memory reads that went to the kernel */
	uint64_t bytes;     /* bytes read from the process */
};

/* Analyze a running Go process: its executable is /proc/PID/exe; every
 * thread is stopped (ptrace) only while the runtime's memory is read, then
 * detached before this returns, whatever the outcome, and the process runs
 * on; nothing is ever written to it.  stats (may be NULL) receives the
 * pause.  Returns 0 and *out as gs_analyze_core does; -1 and *err (one
 * line saying what to do) when the process does not exist, is not a Go
 * program, may not be traced (permissions, ptrace_scope, another tracer)
 * or exits during the analysis (GS_E_INPUT), and as gs_analyze_core for
 * unsupported programs.  A SIGINT/SIGTERM/SIGHUP while the process is
 * stopped detaches it first, then takes its usual course. */
GS_EXPORT int gs_analyze_live(pid_t pid, const struct gs_options *opts, struct gs_live_stats *stats,
                              struct gs_analysis **out, struct gs_error *err);

/* ---- a target answered by the caller (the gdb extension) ---- */

/* One thread's innermost registers, amd64. */
struct gs_thread_regs {
	int64_t tid;
	uint64_t rip, rsp, rbp, fs_base;
};

/* Copy n bytes of target memory at addr into buf: 0, or -1 when any of
 * them cannot be read (the library then tries smaller pieces, and the
 * executable's file). */
typedef int (*gs_read_fn)(void *user, uint64_t addr, void *buf, size_t n);

struct gs_callbacks {
	gs_read_fn read;
	void *user;                          /* passed to read */
	const struct gs_thread_regs *threads; /* copied; nthreads <= 16384 */
	size_t nthreads;
	enum gs_target_kind kind;            /* for the report: GS_TARGET_CORE or GS_TARGET_LIVE */
	const char *core;                    /* for the report: the core's path, or NULL */
	int64_t pid;                         /* for the report: the process, or -1 */
	uint64_t entry;                      /* the program's entry point as loaded (AT_ENTRY), 0 unknown:
	                                      * needed for a position-independent (PIE) executable */
};

/* Analyze a Go program whose memory and threads the caller supplies (a
 * debugger that has a process, a core file or a remote target open).
 * exe: the program's executable, read for its symbol tables and DWARF.
 * Reads go through a cache of whole 64 KiB blocks, so read() is called far
 * fewer times than the analysis reads; every call happens before this
 * returns.  Returns 0 and *out, or -1 and *err as gs_analyze_core does;
 * the caller is trusted that the memory belongs to exe. */
GS_EXPORT int gs_analyze_callbacks(const char *exe, const struct gs_callbacks *cb, const struct gs_options *opts,
                                   struct gs_analysis **out, struct gs_error *err);

/* The registers a goroutine's innermost physical frame would have: the pc
 * and sp the unwinder started from (a parked goroutine's g.sched, a
 * running one's signal context...).  Debuggers use them to show the
 * goroutine's stack with their own unwinder.  0, or -1 when there is no
 * such goroutine or its stack is unknown. */
GS_EXPORT int gs_goroutine_start(const struct gs_analysis *a, uint64_t goid, uint64_t *pc, uint64_t *sp);

/* A channel read from the target, with the goroutines waiting on it. */
struct gs_chan_info {
	const char *elem_type;    /* the runtime type's name, NULL unknown */
	uint64_t elemsize;
	int64_t cap, len;
	int closed;
	uint64_t buf;             /* the ring buffer (cap elements of elemsize bytes) */
	uint64_t recvx, sendx;    /* ring indexes: the next element received is at recvx */
	const uint64_t *senders;  /* goroutine ids, in queue order */
	size_t nsenders;
	const uint64_t *receivers;
	size_t nreceivers;
};

/* Read the channel (runtime.hchan) at addr through cb (the same target the
 * analysis a was made from, still stopped where it was).  Owned by a.
 * 0, or -1 and *err (GS_E_INPUT: not readable or not a channel). */
GS_EXPORT int gs_chan_inspect(struct gs_analysis *a, const struct gs_callbacks *cb, uint64_t addr,
                              struct gs_chan_info *out, struct gs_error *err);

GS_EXPORT const struct gs_report *gs_analysis_report(const struct gs_analysis *a);
GS_EXPORT void gs_analysis_close(struct gs_analysis *a);

/* ---- analysis: grouping (pure functions over a report) ---- */

enum gs_group_by { GS_GROUP_STACK, GS_GROUP_SITE, GS_GROUP_CREATED, GS_GROUP_REASON, GS_GROUP_NONE, GS_GROUP_OBJECT };

struct gs_group {
	const char *key;
	size_t count;
	const size_t *members;  /* indexes into report->goroutines, by ascending id */
	/* Shared by all members, else NULL / has_created false: */
	const char *status;
	const char *wait_reason;
	bool same_wait_reason;  /* all members agree on wait_reason (possibly NULL) */
	const struct gs_frame *frames; /* NULL when members' stacks differ */
	size_t nframes;
	const struct gs_frame *created; /* NULL when members differ */
};

struct gs_groups {
	enum gs_group_by by;
	const struct gs_group *groups; /* largest first, then by key */
	size_t ngroups;
};

/* Parse "stack", "site", "created", "reason", "none", "object".  Returns 0 or -1. */
GS_EXPORT int gs_group_by_parse(const char *name, enum gs_group_by *out);
GS_EXPORT const char *gs_group_by_name(enum gs_group_by by);

/* Group the report's goroutines.  Returns NULL only when out of memory.
 * Free with gs_groups_free. */
GS_EXPORT struct gs_groups *gs_group(const struct gs_report *r, enum gs_group_by by);
GS_EXPORT void gs_groups_free(struct gs_groups *g);

/* ---- analysis: two snapshots compared (pure functions over reports) ---- */

/* One group key's change between snapshot a and b.  change is "grew",
 * "new" (absent from a), "shrank" or "gone" (absent from b). */
struct gs_diff_row {
	const char *key; /* owned by the diff */
	size_t before, after;
	const char *change;
};

struct gs_diff {
	enum gs_group_by by;
	const struct gs_diff_row *rows; /* grew and new by growth, then shrank, then gone */
	size_t nrows;
	size_t unchanged;                /* keys with the same count in both */
	size_t before_total, after_total; /* goroutines counted in a and b */
};

/* Group a and b by the same key and compare the counts per key.  Groups
 * made only of runtime-internal goroutines are left out unless all.
 * Returns NULL only when out of memory; free with gs_diff_free. */
GS_EXPORT struct gs_diff *gs_diff(const struct gs_report *a, const struct gs_report *b, enum gs_group_by by, bool all);
GS_EXPORT void gs_diff_free(struct gs_diff *d);

/* ---- selecting goroutines (pure functions over a report) ---- */

/* Every criterion given (non-NULL / non-zero) must hold. */
struct gs_filter {
	const char *reason;  /* the wait reason contains this text ("chan send") */
	const char *status;  /* the status is exactly this ("waiting", "syscall"...) */
	const char *func;    /* some frame's function, or the creator's, contains this text */
	const char *leak;    /* "definite", "suspect", or "any" verdict */
	const uint64_t *ids; /* the id is one of these */
	size_t nids;
};

/* A report like r holding only the goroutines f selects, in r's order.
 * It shares everything else with r (borrowed: r's analysis must outlive
 * it).  Returns NULL only when out of memory; free it with
 * gs_report_filtered_free, never gs_analysis_close. */
GS_EXPORT struct gs_report *gs_report_filter(const struct gs_report *r, const struct gs_filter *f);
GS_EXPORT void gs_report_filtered_free(struct gs_report *fr);

/* ---- the views, into memory (for front ends that are not a terminal) ---- */

/* TEXT and JSON: the reports the gostuck command prints.  LINES: one line
 * per goroutine (not dead), in the columns of runtime-gdb.py's `info
 * goroutines` ('*' on a thread, id, status, innermost function) followed
 * by [wait reason], the first user frame and (leak: verdict).  PPROF: the
 * goroutine profile `gostuck --pprof FILE` writes, binary (gzip'd
 * protobuf, for `go tool pprof`): one sample per distinct stack, status,
 * wait reason, leak verdict and pprof labels, valued by its goroutine
 * count, labelled "status", "wait_reason", "leak" and the goroutines' own
 * labels; runtime-internal goroutines only with `all`.  New values are
 * added at the end (the gdb extension mirrors these numbers). */
enum gs_format { GS_FORMAT_TEXT, GS_FORMAT_JSON, GS_FORMAT_LINES, GS_FORMAT_PPROF };

struct gs_render_options {
	enum gs_format format;
	enum gs_group_by by;
	bool all;          /* also groups made only of runtime-internal goroutines */
	bool groups_only;  /* text: only the groups (no summary, leaks or warnings) */
};

/* The view of r that o->format names, exactly as the gostuck command
 * writes it, as malloc'd bytes followed by a NUL (their number, without
 * it, in *len when len is not NULL; PPROF bytes are binary and may hold
 * NULs, so read *len).  o->by and o->groups_only do not apply to PPROF.
 * NULL when out of memory.  Free with gs_free. */
GS_EXPORT char *gs_render(const struct gs_report *r, const struct gs_render_options *o, size_t *len);
GS_EXPORT void gs_free(void *p);

/* True when the function name belongs to the Go standard library (decided
 * from the package path and the program's modules, not from file paths). */
GS_EXPORT bool gs_func_is_std(const struct gs_report *r, const char *func);

/* Index of the first frame in user code, or -1. */
GS_EXPORT ssize_t gs_user_frame(const struct gs_report *r, const struct gs_goroutine *g);

#endif
