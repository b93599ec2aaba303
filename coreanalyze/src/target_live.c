/* target_live.c - a running process as a target.  Layer: target.
 * Stops every thread of a process with ptrace (PTRACE_SEIZE +
 * PTRACE_INTERRUPT, rescanning /proc/PID/task until no new thread shows up),
 * takes each thread's registers (PTRACE_GETREGSET), copies every writable
 * mapping (process_vm_readv, else pread of /proc/PID/mem) into room made
 * before the stop and detaches at once, re-injecting any signal a thread
 * had pending, so the process runs on exactly as before; reads are then
 * served from the copy.  When the copy does not fit (over 4 GiB, or the
 * process grew), the process stays stopped and reads go through a block
 * cache until close.  While attached,
 * SIGINT, SIGTERM and SIGHUP to us detach first (the handler uses only the
 * static thread table and raw syscalls).  It never writes the target's
 * memory or registers, never resumes a thread except by detaching it, and
 * knows nothing about Go.  Only one live target can be open at a time in a
 * process (the signal handlers' table is static).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "target.h"
#include "util.h"

#define LIVE_MAX_THREADS 16384     /* Go's default thread limit is 10000 */
#define LIVE_TID_SLOTS (2 * LIVE_MAX_THREADS)
#define LIVE_SCAN_ROUNDS 100       /* rescans of /proc/PID/task */
#define LIVE_STOP_TIMEOUT_NS (5 * 1000000000LL)
#define LIVE_TEST_PAUSE_MAX_MS 600000
#define PAGE 4096u
#define BLOCK (64u << 10)          /* the cache's unit */
#define CACHE_MIN (4u << 20)       /* the cache: the process's resident size, */
#define CACHE_MAX (256u << 20)     /* within these bounds, freed at detach */

enum { T_ATTACHING, T_STOPPED, T_GONE };

/* The thread table, static so the signal handler can reach it.  An entry
 * is complete before nthreads counts it. */
struct live_thread {
	pid_t tid;
	volatile sig_atomic_t state;
	int sig; /* signal the thread was stopped delivering, re-injected on detach */
	struct gs_regs regs;
};
static struct live_thread threads[LIVE_MAX_THREADS];
static volatile sig_atomic_t nthreads;
static volatile sig_atomic_t in_use;
static volatile sig_atomic_t detached_by_signal;
static pid_t tid_set[LIVE_TID_SLOTS]; /* open-addressed set of the tids seen */

static const int handled_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NHANDLED (sizeof handled_signals / sizeof handled_signals[0])
static struct sigaction old_actions[NHANDLED];
static bool installed[NHANDLED];

/* One block of the process's memory: data[] mirrors [base, base + BLOCK),
 * of which [lo, lo + len) was readable when it was filled (len 0: empty). */
struct cache_slot {
	uint64_t base, lo;
	uint32_t len;
	uint8_t *data; /* BLOCK bytes of the arena */
};

/* One writable mapping of the process, copied while it was stopped:
 * [lo, lo + got) of [lo, hi) was readable. */
struct snap_seg {
	uint64_t lo, hi, got;
	uint8_t *data;
};

struct live {
	pid_t pid;
	int memfd;          /* /proc/PID/mem once process_vm_readv is refused */
	bool use_memfd;
	bool gone;          /* the process vanished while attached */
	struct gs_live_info *info;
	struct timespec t0; /* first attach */
	struct cache_slot *cache;
	size_t nslots;
	uint8_t *arena; /* nslots * BLOCK bytes, mapped and touched before the pause */
	uint64_t nsyscalls, bytes;
	size_t stopped;
	uint64_t at_entry; /* AT_ENTRY of /proc/PID/auxv, 0 when unread */
	/* Snapshot mode: the writable memory is copied into pool while the
	 * process is stopped, which then runs on; reads are served from segs. */
	uint8_t *pool;
	size_t poolsize;
	struct snap_seg *segs; /* ascending */
	size_t nsegs;
	struct gs_thread *sthreads; /* the stopped threads' registers */
	size_t nsthreads;
	bool snapshot, detached;
};

static int64_t ns_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)(t.tv_sec - t0->tv_sec) * 1000000000LL + (t.tv_nsec - t0->tv_nsec);
}

/* ---- signals: detach, then die (or go on) as the signal would have ---- */

/* Async-signal-safe: raw ptrace syscalls over the static table. */
static void detach_all_raw(void)
{
	sig_atomic_t n = nthreads;
	for (sig_atomic_t i = 0; i < n; i++) {
		if (threads[i].state != T_STOPPED)
			continue; /* not stopped yet: the kernel detaches it when we exit */
		syscall(SYS_ptrace, PTRACE_DETACH, threads[i].tid, 0, (long)threads[i].sig);
		threads[i].state = T_GONE;
	}
}

static void on_signal(int sig)
{
	int saved = errno;
	detach_all_raw();
	detached_by_signal = 1;
	for (size_t i = 0; i < NHANDLED; i++) {
		if (handled_signals[i] != sig || !installed[i])
			continue;
		/* Hand the signal to whoever had it before: with SIG_DFL it
		 * terminates us once this handler returns and unblocks it,
		 * so the exit status is the conventional one (130 for ^C). */
		sigaction(sig, &old_actions[i], NULL);
		installed[i] = false;
		raise(sig);
	}
	errno = saved;
}

static void install_handlers(void)
{
	for (size_t i = 0; i < NHANDLED; i++) {
		struct sigaction sa = { 0 };
		sa.sa_handler = on_signal;
		sigfillset(&sa.sa_mask);
		installed[i] = false;
		if (sigaction(handled_signals[i], NULL, &old_actions[i]) != 0)
			continue;
		if (old_actions[i].sa_handler == SIG_IGN)
			continue; /* nohup and friends: the signal cannot stop us anyway */
		if (sigaction(handled_signals[i], &sa, NULL) == 0)
			installed[i] = true;
	}
}

static void restore_handlers(void)
{
	for (size_t i = 0; i < NHANDLED; i++) {
		if (installed[i])
			sigaction(handled_signals[i], &old_actions[i], NULL);
		installed[i] = false;
	}
}

/* Why ptrace is refused, with what to do about it. */
static int permission_error(pid_t pid, const char *what, struct gs_error *err)
{
	long tracer = gs_proc_status_long(pid, "TracerPid");
	if (tracer > 0) {
		char comm[64];
		gs_proc_comm((pid_t)tracer, comm, sizeof comm);
		return gs_fail(err, GS_E_INPUT,
		               "%s: process %d is already traced by process %ld (%s); a process has one tracer at a time: "
		               "detach that debugger or tracer and run gostuck again",
		               what, (int)pid, tracer, comm);
	}
	char scope[16] = "";
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	if (f) {
		if (!fgets(scope, sizeof scope, f))
			scope[0] = 0;
		scope[strcspn(scope, "\n")] = 0;
		fclose(f);
	}
	long uid = -1;
	char path[64], buf[128];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (gs_proc_status_field(path, "Uid", buf, sizeof buf) == 0)
		uid = strtol(buf, NULL, 10);
	if (geteuid() != 0 && scope[0] && strcmp(scope, "0") != 0)
		return gs_fail(err, GS_E_INPUT,
		               "%s: permission denied: /proc/sys/kernel/yama/ptrace_scope is %s, so only root or a holder of "
		               "CAP_SYS_PTRACE may attach to a process it did not start%s: run 'sudo gostuck -p %d' or "
		               "'sudo sysctl kernel.yama.ptrace_scope=0'",
		               what, scope, strcmp(scope, "3") == 0 ? " (3: nobody may, until reboot)" : "", (int)pid);
	if (geteuid() != 0)
		return gs_fail(err, GS_E_INPUT,
		               "%s: permission denied: process %d runs as uid %ld and you are uid %ld; run gostuck as that "
		               "user or as root (CAP_SYS_PTRACE)",
		               what, (int)pid, uid, (long)geteuid());
	if (strcmp(scope, "3") == 0)
		return gs_fail(err, GS_E_INPUT,
		               "%s: permission denied: /proc/sys/kernel/yama/ptrace_scope is 3, which forbids every ptrace "
		               "attach until reboot", what);
	return gs_fail(err, GS_E_INPUT,
	               "%s: permission denied even as root: this gostuck lacks CAP_SYS_PTRACE (a container started without "
	               "--cap-add=SYS_PTRACE?) or a security module (seccomp, SELinux, AppArmor) forbids ptrace%s%s",
	               what, scope[0] ? "; yama ptrace_scope is " : "", scope);
}

int gs_live_probe(pid_t pid, char *exe, size_t exelen, struct gs_error *err)
{
	char path[64];
	if (pid <= 0)
		return gs_fail(err, GS_E_USAGE, "-p wants a process id, a positive number, not %d", (int)pid);
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (access(path, F_OK) != 0 || (kill(pid, 0) != 0 && errno == ESRCH))
		return gs_fail(err, GS_E_INPUT, "no such process: %d", (int)pid);
	long tgid = gs_proc_status_long(pid, "Tgid");
	if (tgid > 0 && tgid != pid)
		return gs_fail(err, GS_E_INPUT, "%d is a thread of process %ld; run 'gostuck -p %ld'", (int)pid, tgid, tgid);
	char st = gs_proc_task_state(pid, pid);
	if (st == 'Z' || st == 'X')
		return gs_fail(err, GS_E_INPUT, "process %d has exited (a zombie waiting for its parent): nothing to read",
		               (int)pid);
	long tracer = gs_proc_status_long(pid, "TracerPid");
	if (tracer > 0)
		return permission_error(pid, "cannot attach", err);
	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(path, exe, exelen - 1);
	if (n < 0) {
		if (errno == EACCES || errno == EPERM)
			return permission_error(pid, "cannot read its executable", err);
		if (errno == ENOENT) {
			if (kill(pid, 0) != 0 && errno == ESRCH)
				return gs_fail(err, GS_E_INPUT, "no such process: %d", (int)pid);
			return gs_fail(err, GS_E_INPUT, "process %d has no executable (a kernel thread): not a Go program",
			               (int)pid);
		}
		return gs_fail(err, GS_E_INPUT, "cannot read %s: %s", path, strerror(errno));
	}
	exe[n] = 0;
	return 0;
}

/* ---- attaching ---- */

static bool tid_seen(pid_t tid)
{
	for (size_t i = 0, h = (size_t)tid * 2654435761u % LIVE_TID_SLOTS; i < LIVE_TID_SLOTS;
	     i++, h = (h + 1) % LIVE_TID_SLOTS) {
		if (tid_set[h] == tid)
			return true;
		if (tid_set[h] == 0) {
			tid_set[h] = tid;
			return false;
		}
	}
	return true; /* cannot happen: the table holds twice the thread limit */
}

/* Seize and interrupt one thread; it is waited for later.  0, or -1 on a
 * fatal error (permission, too many threads). */
static int attach_one(struct live *l, pid_t tid, struct gs_error *err)
{
	if (nthreads >= LIVE_MAX_THREADS)
		return gs_fail(err, GS_E_UNSUPPORTED, "process %d has more than %d threads", (int)l->pid,
		               LIVE_MAX_THREADS);
	struct live_thread *t = &threads[nthreads];
	*t = (struct live_thread){ .tid = tid, .state = T_ATTACHING };
	nthreads++; /* counted before the seize: a signal from now on detaches it */
	if (ptrace(PTRACE_SEIZE, tid, 0, 0) != 0) {
		int e = errno;
		t->state = T_GONE;
		char st = gs_proc_task_state(l->pid, tid);
		if (e == ESRCH || st == 0 || st == 'Z' || st == 'X')
			return 0; /* the thread exited meanwhile */
		if (e == EPERM)
			return permission_error(l->pid, "cannot attach", err);
		return gs_fail(err, GS_E_INPUT, "cannot attach to thread %d of process %d: %s", (int)tid, (int)l->pid,
		               strerror(e));
	}
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) != 0 && errno != ESRCH)
		return gs_fail(err, GS_E_INPUT, "cannot stop thread %d of process %d: %s", (int)tid, (int)l->pid,
		               strerror(errno));
	return 0;
}

/* Wait until every seized thread is in a ptrace stop or gone.  A thread
 * stopped on its way to deliver a signal keeps that signal for detach. */
static int wait_stops(struct live *l, struct gs_error *err)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (unsigned spin = 0;; spin++) {
		size_t pending = 0;
		pid_t late = 0;
		for (sig_atomic_t i = 0; i < nthreads; i++) {
			struct live_thread *t = &threads[i];
			if (t->state != T_ATTACHING)
				continue;
			int st;
			pid_t r = waitpid(t->tid, &st, __WALL | WNOHANG);
			if (r == 0 || (r < 0 && errno == EINTR)) {
				pending++;
				late = t->tid;
				continue;
			}
			if (r < 0) {
				t->state = T_GONE; /* ECHILD: gone before we could see it stop */
				continue;
			}
			if (WIFSTOPPED(st)) {
				/* PTRACE_EVENT_STOP: our interrupt, or a group stop
				 * (a process stopped by SIGSTOP stays stopped after
				 * detach).  Event 0: a signal-delivery stop; the
				 * signal is handed back on detach. */
				if ((st >> 16) == 0)
					t->sig = WSTOPSIG(st);
				t->state = T_STOPPED;
				l->stopped++;
			} else {
				t->state = T_GONE; /* exited or killed */
			}
		}
		if (pending == 0)
			return 0;
		if (ns_since(&start) > LIVE_STOP_TIMEOUT_NS)
			return gs_fail(err, GS_E_INPUT,
			               "thread %d of process %d did not stop within %lld s (state '%c': uninterruptible "
			               "sleep?); nothing was read, the process is left running",
			               (int)late, (int)l->pid, LIVE_STOP_TIMEOUT_NS / 1000000000LL,
			               gs_proc_task_state(l->pid, late) ? gs_proc_task_state(l->pid, late) : '?');
		/* Threads stop within microseconds of the interrupt unless
		 * busy in the kernel: yield first, then nap (a nanosleep costs
		 * its timer slack, 50 us, however short the request). */
		if (spin < 2000) {
			sched_yield();
		} else {
			struct timespec nap = { 0, 100000 };
			nanosleep(&nap, NULL);
		}
	}
}

/* One pass over /proc/PID/task: seize every thread not seen before.
 * *added counts them. */
static int scan_tasks(struct live *l, size_t *added, struct gs_error *err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)l->pid);
	DIR *d = opendir(path);
	*added = 0;
	if (!d) {
		if (errno == ENOENT)
			return gs_fail(err, GS_E_INPUT, "no such process: %d (it exited)", (int)l->pid);
		return gs_fail(err, GS_E_INPUT, "cannot list %s: %s", path, strerror(errno));
	}
	struct dirent *e;
	int rc = 0;
	for (size_t k = 0; rc == 0 && k < 4 * LIVE_MAX_THREADS && (e = readdir(d)); k++) {
		char *end;
		long tid = strtol(e->d_name, &end, 10);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end || tid <= 0)
			continue;
		if (tid_seen((pid_t)tid))
			continue;
		rc = attach_one(l, (pid_t)tid, err);
		(*added)++;
	}
	closedir(d);
	return rc;
}

static int read_regs(struct live *l, struct live_thread *t)
{
	struct user_regs_struct r;
	struct iovec iov = { &r, sizeof r };
	if (ptrace(PTRACE_GETREGSET, t->tid, (void *)(uintptr_t)NT_PRSTATUS, &iov) != 0) {
		if (errno == ESRCH)
			t->state = T_GONE; /* killed while stopped */
		(void)l;
		return -1;
	}
	t->regs = (struct gs_regs){ .rip = r.rip, .rsp = r.rsp, .rbp = r.rbp, .fs_base = r.fs_base };
	return 0;
}

/* ---- memory ---- */

/* Read up to n bytes straight from the process into buf: the number of
 * bytes read before the first unmapped page (0 when none), or -1 when the
 * process is gone (l->gone). */
static ssize_t raw_read_upto(struct live *l, uint64_t addr, void *buf, size_t n)
{
	if (n == 0)
		return 0;
	l->nsyscalls++;
	if (!l->use_memfd) {
		struct iovec loc = { buf, n }, rem = { (void *)(uintptr_t)addr, n };
		ssize_t r = process_vm_readv(l->pid, &loc, 1, &rem, 1, 0);
		if (r >= 0) {
			l->bytes += (uint64_t)r;
			return r; /* short: it stopped at an unmapped page */
		}
		if (errno == EFAULT || errno == ENOMEM)
			return 0;
		if (errno == ESRCH) {
			l->gone = true;
			return -1;
		}
		/* ENOSYS, EPERM (seccomp, an LSM): go through /proc/PID/mem,
		 * which ptrace access allows while attached. */
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/mem", (int)l->pid);
		l->memfd = open(path, O_RDONLY | O_CLOEXEC);
		if (l->memfd < 0)
			return 0;
		l->use_memfd = true;
	}
	if (addr > (uint64_t)INT64_MAX - n)
		return 0;
	uint8_t *p = buf;
	size_t done = 0;
	for (int tries = 0; done < n && tries < 64; tries++) {
		ssize_t r = pread(l->memfd, p + done, n - done, (off_t)(addr + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 && kill(l->pid, 0) != 0 && errno == ESRCH) {
			l->gone = true;
			return -1;
		}
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	l->bytes += done;
	return (ssize_t)done;
}

/* Reads smaller than a block go through a direct-mapped cache of 64 KiB
 * blocks: the runtime model reads g structures and stack words 8 bytes at
 * a time (about 40 reads per goroutine), and the runtime allocates both
 * in runs, so one block serves many goroutines; a kernel call per 4 KiB
 * page cost a third more pause at 100,000 goroutines.  A read stops at
 * the first unmapped page and only what was read is served; a block with
 * a hole before the address wanted is read again from that address's
 * page.  The process is
 * stopped, so nothing cached can go stale. */
static int snap_read(const struct live *l, uint64_t addr, void *buf, size_t n)
{
	uint8_t *out = buf;
	while (n > 0) {
		size_t lo = 0, hi = l->nsegs;
		const struct snap_seg *sg = NULL;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (addr < l->segs[mid].lo)
				hi = mid;
			else if (addr >= l->segs[mid].hi)
				lo = mid + 1;
			else {
				sg = &l->segs[mid];
				break;
			}
		}
		if (!sg || addr >= sg->lo + sg->got)
			return -1; /* not writable memory: the caller reads the executable */
		size_t take = (size_t)(sg->lo + sg->got - addr);
		if (take > n)
			take = n;
		memcpy(out, sg->data + (addr - sg->lo), take);
		out += take;
		addr += take;
		n -= take;
	}
	return 0;
}

static int live_read(void *self, uint64_t addr, void *buf, size_t n)
{
	struct live *l = self;
	if (l->snapshot)
		return snap_read(l, addr, buf, n);
	if (n >= BLOCK)
		return raw_read_upto(l, addr, buf, n) == (ssize_t)n ? 0 : -1;
	uint8_t *out = buf;
	while (n > 0) {
		uint64_t base = addr & ~(uint64_t)(BLOCK - 1);
		size_t off = (size_t)(addr - base), take = BLOCK - off;
		if (take > n)
			take = n;
		struct cache_slot *s = &l->cache[(base / BLOCK) * 0x9e3779b1u % l->nslots];
		if (s->len == 0 || s->base != base || addr < s->lo || addr + take > s->lo + s->len) {
			/* The whole block; else, past a hole, from addr's page. */
			uint64_t lo = base;
			for (int k = 0; k < 2; k++) {
				ssize_t got = raw_read_upto(l, lo, s->data + (lo - base), (size_t)(base + BLOCK - lo));
				s->base = base;
				s->lo = lo;
				s->len = got > 0 ? (uint32_t)got : 0;
				if (got < 0 || addr + take <= s->lo + s->len || lo == (addr & ~(uint64_t)(PAGE - 1)))
					break;
				lo = addr & ~(uint64_t)(PAGE - 1);
			}
			if (addr + take > s->lo + s->len)
				return -1;
		}
		memcpy(out, s->data + off, take);
		out += take;
		addr += take;
		n -= take;
	}
	return 0;
}

/* ---- the target ---- */

static size_t live_nthreads(void *self)
{
	struct live *l = self;
	if (l->snapshot)
		return l->nsthreads;
	size_t n = 0;
	for (sig_atomic_t i = 0; i < nthreads; i++)
		n += threads[i].state == T_STOPPED;
	return n;
}

static int live_thread(void *self, size_t k, struct gs_thread *out)
{
	struct live *l = self;
	if (l->snapshot) {
		if (k >= l->nsthreads)
			return -1;
		*out = l->sthreads[k];
		return 0;
	}
	for (sig_atomic_t i = 0; i < nthreads; i++) {
		if (threads[i].state != T_STOPPED)
			continue;
		if (k-- == 0) {
			*out = (struct gs_thread){ .tid = threads[i].tid, .regs = threads[i].regs };
			return 0;
		}
	}
	return -1;
}

/* The cache is as large as the process's resident memory (the most the
 * analysis can read), within CACHE_MIN..CACHE_MAX, and its pages are
 * faulted in now, before the process is stopped: filling fresh pages cost
 * a sixth of the pause at 100,000 goroutines.  Huge pages where the
 * kernel gives them make that cheaper still. */
static int cache_new(struct live *l, pid_t pid)
{
	long rss_kb = gs_proc_status_long(pid, "VmRSS");
	uint64_t want = rss_kb > 0 ? (uint64_t)rss_kb * 1024 + CACHE_MIN : CACHE_MIN;
	if (want > CACHE_MAX)
		want = CACHE_MAX;
	l->nslots = (size_t)((want + BLOCK - 1) / BLOCK);
	l->cache = calloc(l->nslots, sizeof *l->cache);
	void *p = mmap(NULL, l->nslots * BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!l->cache || p == MAP_FAILED)
		return -1;
	l->arena = p;
	madvise(p, l->nslots * BLOCK, MADV_HUGEPAGE);
	for (size_t i = 0; i < l->nslots; i++) {
		l->cache[i].data = l->arena + i * BLOCK;
		for (size_t off = 0; off < BLOCK; off += PAGE)
			l->cache[i].data[off] = 0;
	}
	return 0;
}

static void free_live(struct live *l)
{
	free(l->cache);
	if (l->arena)
		munmap(l->arena, l->nslots * BLOCK);
	if (l->pool)
		munmap(l->pool, l->poolsize);
	free(l->segs);
	free(l->sthreads);
	if (l->memfd >= 0)
		close(l->memfd);
	free(l);
}

/* Detach every thread (the process runs on), record the pause, restore
 * our signal handlers.  Safe to call after a handler already detached. */
static void live_detach(struct live *l)
{
	bool lost = false;
	l->detached = true;
	for (sig_atomic_t i = 0; i < nthreads; i++) {
		struct live_thread *t = &threads[i];
		if (t->state != T_STOPPED)
			continue;
		if (ptrace(PTRACE_DETACH, t->tid, 0, (void *)(uintptr_t)t->sig) != 0 && errno == ESRCH) {
			int st;
			lost = true; /* killed while stopped: reap its exit, ours to collect */
			waitpid(t->tid, &st, __WALL | WNOHANG);
		}
		t->state = T_GONE;
	}
	int64_t pause = ns_since(&l->t0);
	/* Threads that were only seized (an error before they stopped) are
	 * detached too if they stop within 0.1 s; one that does not (stuck
	 * in the kernel) is detached by the kernel when this program exits. */
	for (sig_atomic_t i = 0; i < nthreads; i++) {
		struct live_thread *t = &threads[i];
		if (t->state != T_ATTACHING)
			continue;
		int st;
		for (int k = 0; k < 1000; k++) {
			pid_t r = waitpid(t->tid, &st, __WALL | WNOHANG);
			if (r != 0) {
				if (r > 0 && WIFSTOPPED(st))
					ptrace(PTRACE_DETACH, t->tid, 0, (void *)(uintptr_t)((st >> 16) == 0 ? WSTOPSIG(st) : 0));
				break;
			}
			struct timespec nap = { 0, 100000 };
			nanosleep(&nap, NULL);
		}
		t->state = T_GONE;
	}
	restore_handlers();
	char st = gs_proc_task_state(l->pid, l->pid);
	if (lost || l->gone || st == 0 || st == 'Z' || st == 'X')
		l->gone = true;
	if (l->info) {
		l->info->stats.pause_ns = pause > 0 ? (uint64_t)pause : 0;
		l->info->stats.nthreads = l->stopped;
		l->info->stats.nsyscalls = l->nsyscalls;
		l->info->stats.bytes = l->bytes;
		l->info->gone = l->gone;
		l->info->detached_by_signal = detached_by_signal;
	}
	nthreads = 0;
	memset(tid_set, 0, sizeof tid_set);
}

static void live_close(void *self)
{
	struct live *l = self;
	if (!l->detached)
		live_detach(l);
	free_live(l);
	in_use = 0;
}

/* ---- snapshot mode ---- */

#define SNAP_MAX ((uint64_t)4 << 30) /* the most writable memory copied */
#define SNAP_MAX_SEGS 65536

/* Before the process is stopped: room for a copy of its writable memory
 * (with a margin for growth until it stops), faulted in now so that
 * filling it costs no page faults during the pause.  Else 0: the process
 * stays stopped while it is read through the cache. */
static void snapshot_reserve(struct live *l, pid_t pid)
{
	struct gs_proc_range *v = NULL;
	size_t n = 0;
	const char *no = getenv("GOSTUCK_TEST_NO_SNAPSHOT"); /* a test hook: the cache path */
	if (no && *no == '1')
		return;
	int64_t total = gs_proc_rw_mappings(pid, SNAP_MAX_SEGS, &v, &n);
	free(v);
	if (total <= 0)
		return;
	uint64_t want = (uint64_t)total + (uint64_t)total / 4 + (64u << 20);
	if (want > SNAP_MAX)
		return;
	void *p = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return;
	l->pool = p;
	l->poolsize = want;
}

/* While stopped: copy every writable mapping into the pool, keep the
 * threads' registers, and let the process go.  0, or -1 when the memory
 * no longer fits (the caller reads through the cache instead). */
static int snapshot_take(struct live *l)
{
	struct gs_proc_range *r = NULL;
	size_t n = 0;
	int64_t total = gs_proc_rw_mappings(l->pid, SNAP_MAX_SEGS, &r, &n);
	struct snap_seg *v = total < 0 ? NULL : calloc(n ? n : 1, sizeof *v);
	if (!v || (uint64_t)total > l->poolsize) {
		free(r);
		free(v);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = (struct snap_seg){ .lo = r[i].lo, .hi = r[i].hi };
	free(r);
	l->sthreads = calloc(nthreads ? (size_t)nthreads : 1, sizeof *l->sthreads);
	if (!l->sthreads) {
		free(v);
		return -1;
	}
	uint64_t used = 0;
	for (size_t i = 0; i < n && !l->gone; i++) {
		v[i].data = l->pool + used;
		used += v[i].hi - v[i].lo;
		while (v[i].lo + v[i].got < v[i].hi) {
			ssize_t r = raw_read_upto(l, v[i].lo + v[i].got, v[i].data + v[i].got,
			                          (size_t)(v[i].hi - v[i].lo - v[i].got));
			if (r <= 0)
				break; /* an unreadable page (PROT_NONE guard): the rest is not served */
			v[i].got += (uint64_t)r;
		}
	}
	l->segs = v;
	l->nsegs = n;
	for (sig_atomic_t i = 0; i < nthreads; i++)
		if (threads[i].state == T_STOPPED)
			l->sthreads[l->nsthreads++] = (struct gs_thread){ .tid = threads[i].tid, .regs = threads[i].regs };
	l->snapshot = true;
	live_detach(l);
	return 0;
}

/* AT_ENTRY from /proc/PID/auxv (read before the process is stopped: the
 * kernel wrote it at exec and it never changes); 0 when unreadable. */
static uint64_t auxv_entry(pid_t pid)
{
	char path[64];
	uint64_t av[2 * 64], entry = 0;
	snprintf(path, sizeof path, "/proc/%d/auxv", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, av, sizeof av);
	close(fd);
	for (ssize_t k = 0; n > 0 && (k + 2) * 8 <= n && av[k] != AT_NULL; k += 2)
		if (av[k] == AT_ENTRY)
			entry = av[k + 1];
	return entry;
}

static int live_entry(void *self, uint64_t *out)
{
	const struct live *l = self;
	*out = l->at_entry;
	return l->at_entry ? 0 : -1;
}

static const struct gs_target_ops live_ops = {
	.entry = live_entry,
	.read = live_read,
	.nthreads = live_nthreads,
	.thread = live_thread,
	.close = live_close,
};

/* GOSTUCK_TEST_PAUSE_MS (a test hook): stay attached that long before the
 * first read, so a test can signal or kill us mid-analysis reliably. */
static void test_pause(void)
{
	const char *s = getenv("GOSTUCK_TEST_PAUSE_MS");
	if (!s || !*s)
		return;
	long ms = strtol(s, NULL, 10);
	if (ms <= 0)
		return;
	if (ms > LIVE_TEST_PAUSE_MAX_MS)
		ms = LIVE_TEST_PAUSE_MAX_MS;
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

int gs_target_open_live(pid_t pid, struct gs_live_info *info, struct gs_target *out, struct gs_error *err)
{
	if (in_use)
		return gs_fail(err, GS_E_USAGE, "a live process is already attached in this program: one at a time");
	struct live *l = calloc(1, sizeof *l);
	if (l) {
		l->memfd = -1;
		snapshot_reserve(l, pid);
	}
	if (!l || (!l->pool && cache_new(l, pid) != 0)) {
		if (l)
			free_live(l);
		return gs_fail(err, GS_E_NOMEM, "out of memory for a %u MiB read cache", CACHE_MAX >> 20);
	}
	l->pid = pid;
	l->info = info;
	l->at_entry = auxv_entry(pid);
	if (info)
		*info = (struct gs_live_info){ 0 };
	in_use = 1;
	detached_by_signal = 0;
	nthreads = 0;
	memset(tid_set, 0, sizeof tid_set);
	install_handlers();
	clock_gettime(CLOCK_MONOTONIC, &l->t0);

	int rc = 0;
	size_t added = 0, round;
	/* Stop what is there, then look again: a thread that was creating
	 * another when we came is stopped now, so a pass that finds nothing
	 * new has found everything. */
	for (round = 0; rc == 0 && round < LIVE_SCAN_ROUNDS; round++) {
		rc = scan_tasks(l, &added, err);
		if (rc == 0)
			rc = wait_stops(l, err);
		if (rc != 0 || added == 0)
			break;
	}
	if (rc == 0 && added != 0)
		rc = gs_fail(err, GS_E_INPUT, "process %d keeps starting threads: still new ones after %d scans",
		             (int)pid, LIVE_SCAN_ROUNDS);
	if (info)
		info->stats.attach_ns = (uint64_t)ns_since(&l->t0);
	if (rc == 0 && l->stopped == 0)
		rc = gs_fail(err, GS_E_INPUT, "process %d exited while gostuck was attaching", (int)pid);
	for (sig_atomic_t i = 0; rc == 0 && i < nthreads; i++)
		if (threads[i].state == T_STOPPED)
			read_regs(l, &threads[i]);
	if (rc != 0) {
		live_close(l);
		return -1;
	}
	test_pause();
	if (l->pool && snapshot_take(l) != 0) {
		/* It grew past the room made for it: read it stopped. */
		munmap(l->pool, l->poolsize);
		l->pool = NULL;
		if (cache_new(l, pid) != 0) {
			live_close(l);
			return gs_fail(err, GS_E_NOMEM, "out of memory for a %u MiB read cache", CACHE_MAX >> 20);
		}
	}
	*out = (struct gs_target){ .ops = &live_ops, .self = l };
	return 0;
}
