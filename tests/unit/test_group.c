/* test_group.c - unit tests of the grouping analysis (group.c): standard
 * library detection, the first user frame, every --group-by mode, group
 * order, member order, the fields a group shares, and linear time on a
 * million goroutines.  Grouping is a pure function of a report, so the
 * reports here are built by hand; nothing here reads a core or runs Go.
 * Prints one line per failed check and a summary; exits non-zero on any
 * failure.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gostuck.h"

static int failures, checks;

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		checks++;                                                 \
		if (!(cond)) {                                            \
			failures++;                                       \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);                              \
			printf("\n");                                     \
		}                                                         \
	} while (0)

/* ---- building synthetic reports ---- */

#define F(fn, fl, ln) {.func = fn, .file = fl, .line = ln, .pc = 0x401000 + ln}

static const struct gs_frame chan_recv_stack[] = {
	F("runtime.gopark", "/usr/lib/go-1.21/src/runtime/proc.go", 398),
	F("runtime.chanrecv", "/usr/lib/go-1.21/src/runtime/chan.go", 583),
	F("runtime.chanrecv1", "/usr/lib/go-1.21/src/runtime/chan.go", 442),
	F("main.worker", "/src/app/main.go", 20),
	F("runtime.goexit", "/usr/lib/go-1.21/src/runtime/asm_amd64.s", 1650),
};

static const struct gs_frame select_stack[] = {
	F("runtime.gopark", "/usr/lib/go-1.21/src/runtime/proc.go", 398),
	F("runtime.selectgo", "/usr/lib/go-1.21/src/runtime/select.go", 327),
	F("main.worker", "/src/app/main.go", 20),
	F("runtime.goexit", "/usr/lib/go-1.21/src/runtime/asm_amd64.s", 1650),
};

static const struct gs_frame mutex_stack[] = {
	F("runtime.gopark", "/usr/lib/go-1.24/src/runtime/proc.go", 435),
	F("runtime.goparkunlock", "/usr/lib/go-1.24/src/runtime/proc.go", 441),
	F("internal/sync.runtime_SemacquireMutex", "/usr/lib/go-1.24/src/runtime/sema.go", 95),
	F("internal/sync.(*Mutex).lockSlow", "/usr/lib/go-1.24/src/internal/sync/mutex.go", 149),
	F("sync.(*Mutex).Lock", "/usr/lib/go-1.24/src/sync/mutex.go", 46),
	F("main.locker", "/src/app/main.go", 33),
	F("runtime.goexit", "/usr/lib/go-1.24/src/runtime/asm_amd64.s", 1700),
};

static const struct gs_frame sysmon_like_stack[] = {
	F("runtime.gopark", "/usr/lib/go-1.21/src/runtime/proc.go", 398),
	F("runtime.forcegchelper", "/usr/lib/go-1.21/src/runtime/proc.go", 322),
	F("runtime.goexit", "/usr/lib/go-1.21/src/runtime/asm_amd64.s", 1650),
};

static const struct gs_frame created_main = F("main.main", "/src/app/main.go", 50);
static const struct gs_frame created_other = F("main.spawn", "/src/app/main.go", 60);

static struct gs_goroutine G(uint64_t id, const char *status, const char *reason, const struct gs_frame *frames,
                             size_t nframes, const struct gs_frame *created)
{
	struct gs_goroutine g = {
		.id = id, .status = status, .wait_reason = reason, .wait_minutes = -1,
		.frames = frames, .nframes = nframes, .parent_id = created ? 1 : -1,
	};
	if (created) {
		g.has_created = true;
		g.created = *created;
	}
	return g;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct gs_report report(const struct gs_goroutine *gs, size_t n, const char *const *mods, size_t nmods)
{
	struct gs_report r = {
		.kind = GS_TARGET_CORE, .pid = -1, .arch = "amd64",
		.goroutines = gs, .ngoroutines = n, .modules = mods, .nmodules = nmods,
	};
	return r;
}

static const struct gs_goroutine *member(const struct gs_report *r, const struct gs_group *g, size_t k)
{
	return &r->goroutines[g->members[k]];
}

/* ---- the checks ---- */

static void test_std(void)
{
	const char *const mods[] = {"gostuck.example/fixtures", "golang.org/x/net", "plainmod", "example/yaml.v3"};
	struct gs_report r = report(NULL, 0, mods, N(mods));
	struct gs_report bare = report(NULL, 0, NULL, 0);
	struct {
		const char *func;
		bool std_with_modules, std_bare;
	} cases[] = {
		{"runtime.gopark", true, true},
		{"runtime.goexit", true, true},
		{"internal/sync.(*Mutex).lockSlow", true, true},
		{"net/http.(*conn).serve", true, true},
		{"sync.(*WaitGroup).Wait", true, true},
		{"vendor/golang.org/x/net/http2/hpack.(*Decoder).Write", true, true},
		{"panic", true, true},
		{"main.main", false, false},
		{"main.main.func1", false, false},
		{"main.main.gowrap1", false, false},
		{"main.(*server).run", false, false},
		{"main.F[...]", false, false},
		{"golang.org/x/net/http2.F", false, false},
		{"golang.org/x/net/http2.(*Framer).ReadFrame", false, false},
		{"gostuck.example/fixtures/internal/park.Wait", false, false},
		/* a module path without a dot: std-looking unless listed */
		{"plainmod.Run", false, true},
		{"plainmod/internal/park.Wait", false, true},
		{"plainmodx/park.Wait", true, true},
		/* a module whose last element has a dot */
		{"example/yaml.v3.(*decoder).unmarshal", false, true},
		{"example/yaml.Unmarshal", true, true},
		/* a receiver type argument with a slash must not move the package */
		{"runtime.F[go.shape.struct { example.com/x.T }]", true, true},
		{"mainly.F", true, true},
	};
	for (size_t i = 0; i < N(cases); i++) {
		bool got = gs_func_is_std(&r, cases[i].func);
		CHECK(got == cases[i].std_with_modules, "%s: std=%d with modules", cases[i].func, got);
		got = gs_func_is_std(&bare, cases[i].func);
		CHECK(got == cases[i].std_bare, "%s: std=%d without modules", cases[i].func, got);
	}
	CHECK(gs_func_is_std(NULL, "golang.org/x/net/http2.F") == false, "NULL report");
	CHECK(gs_func_is_std(NULL, "runtime.gopark") == true, "NULL report");
	CHECK(gs_func_is_std(&r, NULL) == true, "NULL func is not user code");
}

static void test_user_frame(void)
{
	struct gs_goroutine gs[] = {
		G(1, "waiting", "chan receive", chan_recv_stack, N(chan_recv_stack), NULL),
		G(2, "waiting", "sync.Mutex.Lock", mutex_stack, N(mutex_stack), NULL),
		G(3, "waiting", "force gc (idle)", sysmon_like_stack, N(sysmon_like_stack), NULL),
		G(4, "runnable", NULL, NULL, 0, NULL),
	};
	struct gs_report r = report(gs, N(gs), NULL, 0);
	CHECK(gs_user_frame(&r, &gs[0]) == 3, "chan receive: %zd", gs_user_frame(&r, &gs[0]));
	CHECK(gs_user_frame(&r, &gs[1]) == 5, "mutex: %zd", gs_user_frame(&r, &gs[1]));
	CHECK(gs_user_frame(&r, &gs[2]) == -1, "runtime only: %zd", gs_user_frame(&r, &gs[2]));
	CHECK(gs_user_frame(&r, &gs[3]) == -1, "no frames: %zd", gs_user_frame(&r, &gs[3]));
}

static void test_parse(void)
{
	const char *names[] = {"stack", "site", "created", "reason", "none"};
	for (size_t i = 0; i < N(names); i++) {
		enum gs_group_by by;
		CHECK(gs_group_by_parse(names[i], &by) == 0, "%s", names[i]);
		CHECK(strcmp(gs_group_by_name(by), names[i]) == 0, "%s", names[i]);
	}
	enum gs_group_by by;
	CHECK(gs_group_by_parse("Stack", &by) == -1, "case");
	CHECK(gs_group_by_parse("", &by) == -1, "empty");
	CHECK(gs_group_by_parse("userloc", &by) == -1, "unknown");
	CHECK(gs_group_by_name((enum gs_group_by)42) == NULL, "out of range");
}

/* Is g there with want groups?  Index groups only when it is. */
static bool ngroups_is(const struct gs_groups *g, size_t want, const char *what)
{
	CHECK(g != NULL, "grouping by %s returned NULL", what);
	if (!g)
		return false;
	CHECK(g->ngroups == want, "grouping by %s: %zu groups, want %zu", what, g->ngroups, want);
	return g->ngroups == want;
}

static void check_order(const struct gs_report *r, const struct gs_groups *g)
{
	for (size_t k = 0; k < g->ngroups; k++) {
		const struct gs_group *gp = &g->groups[k];
		for (size_t j = 1; j < gp->count; j++)
			CHECK(member(r, gp, j - 1)->id < member(r, gp, j)->id, "group %zu members not ascending", k);
		if (k == 0)
			continue;
		const struct gs_group *prev = &g->groups[k - 1];
		/* ties by key; "none" keys ("goroutine N") by number */
		int tie = g->by == GS_GROUP_NONE ? (member(r, prev, 0)->id < member(r, gp, 0)->id ? -1 : 1)
		                                 : strcmp(prev->key, gp->key);
		CHECK(prev->count > gp->count || (prev->count == gp->count && tie <= 0),
		      "group %zu (%zu, %s) after (%zu, %s)", k, gp->count, gp->key, prev->count, prev->key);
	}
}

/* Copies of the same strings at other addresses: grouping compares text. */
static char copy_func[] = "main.worker", copy_file[] = "/src/app/main.go";

static void test_modes(void)
{
	struct gs_frame chan_copy[N(chan_recv_stack)];
	memcpy(chan_copy, chan_recv_stack, sizeof chan_copy);
	chan_copy[3].func = copy_func;
	chan_copy[3].file = copy_file;
	chan_copy[3].pc += 4; /* same line, other pc: still the same stack */

	/* allgs order is not id order on purpose */
	struct gs_goroutine gs[] = {
		G(40, "waiting", "chan receive", chan_recv_stack, N(chan_recv_stack), &created_main),
		G(7, "waiting", "chan receive", chan_copy, N(chan_copy), &created_main),
		G(12, "waiting", "select", select_stack, N(select_stack), &created_main),
		G(3, "waiting", "chan receive", chan_recv_stack, N(chan_recv_stack), &created_other),
		G(21, "waiting", "sync.Mutex.Lock", mutex_stack, N(mutex_stack), &created_other),
		G(2, "waiting", "force gc (idle)", sysmon_like_stack, N(sysmon_like_stack), NULL),
		G(5, "runnable", NULL, chan_recv_stack, N(chan_recv_stack), &created_main),
	};
	gs[5].system = true;
	struct gs_report r = report(gs, N(gs), NULL, 0);

	/* stack: status and wait reason are part of the key */
	struct gs_groups *g = gs_group(&r, GS_GROUP_STACK);
	CHECK(!g || g->by == GS_GROUP_STACK, "by");
	if (ngroups_is(g, 5, "stack")) {
		check_order(&r, g);
		const struct gs_group *top = &g->groups[0];
		CHECK(top->count == 3, "largest: %zu", top->count);
		CHECK(member(&r, top, 0)->id == 3 && member(&r, top, 1)->id == 7 && member(&r, top, 2)->id == 40,
		      "ids of largest");
		CHECK(top->status && strcmp(top->status, "waiting") == 0, "shared status");
		CHECK(top->same_wait_reason && top->wait_reason && strcmp(top->wait_reason, "chan receive") == 0,
		      "shared reason");
		CHECK(top->frames && top->nframes == N(chan_recv_stack), "shared frames");
		CHECK(top->created == NULL, "creators differ: main.main and main.spawn");
		CHECK(strstr(top->key, "chan receive") && strstr(top->key, "main.worker /src/app/main.go:20"),
		      "key: %s", top->key);
		/* the runnable goroutine with the same frames is its own group */
		bool found = false;
		for (size_t k = 0; k < g->ngroups; k++)
			if (g->groups[k].count == 1 && member(&r, &g->groups[k], 0)->id == 5) {
				found = true;
				CHECK(g->groups[k].wait_reason == NULL && g->groups[k].same_wait_reason, "no reason");
				CHECK(g->groups[k].created == &gs[6].created, "single member shares its creator");
			}
		CHECK(found, "runnable goroutine 5 grouped alone");
	}
	gs_groups_free(g);

	/* site: first user frame; runtime-only goroutines under their top frame */
	g = gs_group(&r, GS_GROUP_SITE);
	if (ngroups_is(g, 3, "site")) {
		check_order(&r, g);
		const struct gs_group *top = &g->groups[0];
		CHECK(top->count == 5, "main.worker site: %zu", top->count);
		CHECK(strcmp(top->key, "main.worker /src/app/main.go:20") == 0, "key: %s", top->key);
		CHECK(top->frames == NULL, "stacks differ (chan receive, select)");
		CHECK(top->status == NULL, "status differs (waiting, runnable)");
		CHECK(!top->same_wait_reason && top->wait_reason == NULL, "reasons differ");
		/* equal counts: ordered by key */
		CHECK(strcmp(g->groups[1].key, "main.locker /src/app/main.go:33") == 0, "key: %s", g->groups[1].key);
		CHECK(strcmp(g->groups[2].key, "runtime.gopark /usr/lib/go-1.21/src/runtime/proc.go:398") == 0,
		      "no user frame: top frame: %s", g->groups[2].key);
	}
	gs_groups_free(g);

	/* created */
	g = gs_group(&r, GS_GROUP_CREATED);
	if (ngroups_is(g, 3, "created")) {
		check_order(&r, g);
		CHECK(g->groups[0].count == 4 && strcmp(g->groups[0].key, "main.main /src/app/main.go:50") == 0,
		      "key: %s", g->groups[0].key);
		CHECK(g->groups[0].created && strcmp(g->groups[0].created->func, "main.main") == 0, "created shared");
		CHECK(g->groups[1].count == 2 && strcmp(g->groups[1].key, "main.spawn /src/app/main.go:60") == 0,
		      "key: %s", g->groups[1].key);
		CHECK(g->groups[2].count == 1 && g->groups[2].created == NULL, "no creator");
	}
	gs_groups_free(g);

	/* reason: the wait reason, else the status */
	g = gs_group(&r, GS_GROUP_REASON);
	if (ngroups_is(g, 5, "reason")) {
		check_order(&r, g);
		CHECK(g->groups[0].count == 3 && strcmp(g->groups[0].key, "chan receive") == 0, "key: %s",
		      g->groups[0].key);
		/* one member's frames are a copy at other addresses: still shared */
		CHECK(g->groups[0].frames != NULL, "chan receive members have the same stack text");
		bool runnable = false;
		for (size_t k = 0; k < g->ngroups; k++)
			if (strcmp(g->groups[k].key, "runnable") == 0)
				runnable = g->groups[k].count == 1 && g->groups[k].status &&
				           strcmp(g->groups[k].status, "runnable") == 0;
		CHECK(runnable, "status used when there is no wait reason");
	}
	gs_groups_free(g);

	/* none: one group per goroutine, by id */
	g = gs_group(&r, GS_GROUP_NONE);
	if (ngroups_is(g, N(gs), "none")) {
		for (size_t k = 0; k + 1 < g->ngroups; k++)
			CHECK(member(&r, &g->groups[k], 0)->id < member(&r, &g->groups[k + 1], 0)->id,
			      "none order at %zu", k);
		CHECK(strcmp(g->groups[0].key, "goroutine 2") == 0, "key: %s", g->groups[0].key);
		CHECK(g->groups[0].frames == sysmon_like_stack, "a single member shares its frames");
	}
	gs_groups_free(g);
}

/* Same stack and wait reason, different status (Go 1.26 marks leaked
 * goroutines _Gleaked and keeps their wait reason): different stacks. */
static void test_status_in_stack_key(void)
{
	struct gs_goroutine gs[] = {
		G(1, "waiting", "chan receive", chan_recv_stack, N(chan_recv_stack), NULL),
		G(2, "leaked", "chan receive", chan_recv_stack, N(chan_recv_stack), NULL),
		G(3, "waiting", "chan receive", chan_recv_stack, N(chan_recv_stack), NULL),
	};
	struct gs_report r = report(gs, N(gs), NULL, 0);
	struct gs_groups *g = gs_group(&r, GS_GROUP_STACK);
	if (ngroups_is(g, 2, "stack, status differs")) {
		CHECK(g->groups[0].count == 2 && g->groups[0].status && strcmp(g->groups[0].status, "waiting") == 0,
		      "waiting pair first");
		CHECK(g->groups[1].status && strcmp(g->groups[1].status, "leaked") == 0, "leaked alone");
	}
	gs_groups_free(g);
	g = gs_group(&r, GS_GROUP_REASON);
	if (ngroups_is(g, 1, "reason, status differs")) {
		CHECK(g->groups[0].status == NULL, "statuses differ");
		CHECK(g->groups[0].same_wait_reason, "reason shared");
		CHECK(g->groups[0].frames == chan_recv_stack, "stack shared");
	}
	gs_groups_free(g);
}

/* Members of one reason whose stacks differ share no frames. */
static void test_shared_by_text(void)
{
	struct gs_goroutine gs[] = {
		G(1, "waiting", "chan receive", chan_recv_stack, N(chan_recv_stack), NULL),
		G(2, "waiting", "chan receive", select_stack, N(select_stack), NULL),
	};
	struct gs_report r = report(gs, N(gs), NULL, 0);
	struct gs_groups *g = gs_group(&r, GS_GROUP_REASON);
	CHECK(g && g->ngroups == 1 && g->groups[0].frames == NULL, "different stacks, one reason");
	gs_groups_free(g);
}

static void test_empty(void)
{
	struct gs_report r = report(NULL, 0, NULL, 0);
	for (int by = GS_GROUP_STACK; by <= GS_GROUP_NONE; by++) {
		struct gs_groups *g = gs_group(&r, (enum gs_group_by)by);
		CHECK(g && g->ngroups == 0, "empty report, mode %d", by);
		gs_groups_free(g);
	}
	gs_groups_free(NULL);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A million goroutines over a thousand distinct stacks of eight frames,
 * names shared by pointer as an analysis would hand them out. */
static void test_scale(void)
{
	enum { NG = 1000000, NSTACK = 1000, DEPTH = 8 };
	static char names[NSTACK][32];
	struct gs_frame *frames = calloc(NSTACK * DEPTH, sizeof *frames);
	struct gs_goroutine *gs = calloc(NG, sizeof *gs);
	if (!frames || !gs) {
		CHECK(0, "out of memory in test");
		return;
	}
	for (int s = 0; s < NSTACK; s++) {
		snprintf(names[s], sizeof names[s], "main.handler%d", s);
		for (int d = 0; d < DEPTH; d++) {
			struct gs_frame *f = &frames[s * DEPTH + d];
			f->func = d == DEPTH / 2 ? names[s] : "runtime.gopark";
			f->file = "/src/app/main.go";
			f->line = d + 1;
		}
	}
	uint64_t x = 88172645463325252ull; /* xorshift: fixed, repeatable */
	for (int i = 0; i < NG; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int s = (int)(x % NSTACK);
		gs[i].id = (uint64_t)(NG - i); /* descending: every group needs sorting */
		gs[i].status = "waiting";
		gs[i].wait_reason = "chan receive";
		gs[i].frames = &frames[s * DEPTH];
		gs[i].nframes = DEPTH;
		gs[i].wait_minutes = -1;
		gs[i].parent_id = -1;
	}
	struct gs_report r = report(gs, NG, NULL, 0);
	enum gs_group_by modes[] = {GS_GROUP_STACK, GS_GROUP_SITE, GS_GROUP_NONE};
	size_t want[] = {NSTACK, NSTACK, NG};
	for (size_t m = 0; m < N(modes); m++) {
		double t0 = now();
		struct gs_groups *g = gs_group(&r, modes[m]);
		double dt = now() - t0;
		printf("  %d goroutines by %s: %zu groups in %.2f s\n", NG, gs_group_by_name(modes[m]),
		       g ? g->ngroups : 0, dt);
		CHECK(g && g->ngroups == want[m], "groups: %zu", g ? g->ngroups : 0);
		CHECK(dt < 3.0, "grouping %d goroutines by %s took %.2f s", NG, gs_group_by_name(modes[m]), dt);
		if (g) {
			size_t total = 0;
			for (size_t k = 0; k < g->ngroups; k++)
				total += g->groups[k].count;
			CHECK(total == NG, "members: %zu", total);
			check_order(&r, g);
		}
		gs_groups_free(g);
	}
	free(frames);
	free(gs);
}

int main(void)
{
	test_std();
	test_user_frame();
	test_parse();
	test_modes();
	test_status_in_stack_key();
	test_shared_by_text();
	test_empty();
	test_scale();
	printf("group: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
