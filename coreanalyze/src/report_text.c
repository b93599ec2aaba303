/* report_text.c - the text view for people: a one-screen summary (target,
 * totals by status and wait reason, the largest groups), then every group
 * largest first with its ids and stack in the runtime's func / file:line
 * shape, then the warnings.  Layer: report.  It only formats what the
 * report and groups say (it judges and reads nothing; for the leak summary
 * it asks the analysis layer for a grouping by site), writes
 * only to the FILE* it is given, streams group by group, and escapes control
 * bytes from the target so a hostile core cannot drive the terminal.
 */
#define _GNU_SOURCE /* fputs_unlocked, fputc_unlocked */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

enum {
	SUMMARY_GROUPS = 10, /* groups listed in the summary */
	SUMMARY_REASONS = 10,/* wait reasons listed in the summary */
	LIST_IDS = 10,       /* ids listed per group before "... and N more" */
	MIXED_STATES = 3,    /* states named in a mixed group's header */
};

/* Target text: printable characters as they are; control characters (C0,
 * DEL, and C1 as U+0080..U+009F) and bytes that are not UTF-8 as \xNN. */
static void put_text(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (!s) {
		fputc_unlocked('?', f);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = *p >= 0x80 ? gs_report_utf8_len(p) : 1;
		bool c1 = n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
		if (n == 0 || c1 || *p < 0x20 || *p == 0x7f) {
			char esc[5] = {'\\', 'x', hex[*p >> 4], hex[*p & 15], 0};
			fputs_unlocked(esc, f);
			p++;
			continue;
		}
		fwrite_unlocked(p, 1, n, f);
		p += n;
	}
}

static void put(FILE *f, const char *s)
{
	fputs_unlocked(s, f);
}

/* A count with thousands separators: 9993 -> "9,993". */
static const char *fmt_count(char out[32], uint64_t n)
{
	char digits[24];
	int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
	int o = 0;
	for (int i = 0; i < nd; i++) {
		if (i && (nd - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = 0;
	return out;
}

static void put_count(FILE *f, uint64_t n)
{
	char buf[32];
	put(f, fmt_count(buf, n));
}

static void put_plural(FILE *f, uint64_t n, const char *one, const char *many)
{
	put_count(f, n);
	fputc_unlocked(' ', f);
	put(f, n == 1 ? one : many);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static const char *state_of(const struct gs_goroutine *g)
{
	return g->wait_reason ? g->wait_reason : g->status;
}

static void put_loc(FILE *f, const struct gs_frame *fr)
{
	put_text(f, fr->func);
	fputc_unlocked(' ', f);
	put_text(f, fr->file);
	fprintf(f, ":%lld", (long long)fr->line);
}

/* The frame that says where a goroutine is in user terms. */
static const struct gs_frame *site_of(const struct gs_report *r, const struct gs_goroutine *g)
{
	ssize_t i = gs_user_frame(r, g);
	if (i >= 0)
		return &g->frames[i];
	return g->nframes ? &g->frames[0] : NULL;
}

static bool system_only(const struct gs_report *r, const struct gs_group *gp)
{
	for (size_t k = 0; k < gp->count; k++)
		if (!r->goroutines[gp->members[k]].system)
			return false;
	return gp->count > 0;
}

/* A group's state: the shared wait reason or status, or the few most
 * common ones with counts ("3 chan receive, 2 select, ...") when mixed. */
static void put_state(FILE *f, const struct gs_report *r, const struct gs_group *gp)
{
	if (gp->same_wait_reason && (gp->wait_reason || gp->status)) {
		put_text(f, gp->wait_reason ? gp->wait_reason : gp->status);
		return;
	}
	struct {
		const char *name;
		size_t count;
	} seen[MIXED_STATES];
	size_t nseen = 0;
	bool more = false;
	for (size_t k = 0; k < gp->count; k++) {
		const char *s = state_of(&r->goroutines[gp->members[k]]);
		size_t j = 0;
		while (j < nseen && !str_eq(seen[j].name, s))
			j++;
		if (j < nseen)
			seen[j].count++;
		else if (nseen < MIXED_STATES)
			seen[nseen++] = (typeof(seen[0])){.name = s, .count = 1};
		else
			more = true;
	}
	for (size_t j = 0; j < nseen; j++) {
		if (j)
			put(f, ", ");
		put_count(f, seen[j].count);
		fputc_unlocked(' ', f);
		put_text(f, seen[j].name);
	}
	if (more)
		put(f, ", ...");
}

/* The summary's one-line description of a group. */
static void put_label(FILE *f, const struct gs_report *r, const struct gs_groups *g, const struct gs_group *gp)
{
	const struct gs_goroutine *first = &r->goroutines[gp->members[0]];
	if (g->by == GS_GROUP_REASON || g->by == GS_GROUP_OBJECT) {
		put_text(f, gp->key);
		return;
	}
	if (g->by == GS_GROUP_NONE)
		fprintf(f, "goroutine %llu ", (unsigned long long)first->id);
	fputc_unlocked('[', f);
	put_state(f, r, gp);
	put(f, "] ");
	if (g->by == GS_GROUP_SITE || g->by == GS_GROUP_CREATED) {
		if (g->by == GS_GROUP_CREATED && gp->created)
			put(f, "created by ");
		put_text(f, gp->key);
		return;
	}
	const struct gs_frame *site = site_of(r, first);
	if (site)
		put_loc(f, site);
	else
		put(f, "(no frames)");
}

static void put_tally_line(FILE *f, const struct gs_report_tally *t, size_t max)
{
	for (size_t i = 0; i < t->n && i < max; i++) {
		put(f, i ? ", " : "");
		put_count(f, t->items[i].count);
		fputc_unlocked(' ', f);
		put_text(f, t->items[i].name);
	}
	if (t->n > max) {
		put(f, ", and ");
		put_plural(f, t->n - max, "other", "others");
	}
}

static int put_summary(FILE *f, const struct gs_report *r, const struct gs_groups *g, bool all)
{
	struct gs_report_tally st, wr;
	if (gs_report_tally(r, false, &st) < 0)
		return -1;
	if (gs_report_tally(r, true, &wr) < 0) {
		gs_report_tally_free(&st);
		return -1;
	}

	put(f, "target: ");
	if (r->kind == GS_TARGET_LIVE && r->pid >= 0)
		fprintf(f, "process %lld", (long long)r->pid);
	else if (r->core) {
		put(f, r->kind == GS_TARGET_DUMP ? "goroutine dump " : "core file ");
		put_text(f, r->core);
	} else
		put(f, "goroutine dump");
	if (r->exe) {
		put(f, ", executable ");
		put_text(f, r->exe);
	}
	put(f, " (");
	put_text(f, r->go_version ? r->go_version : "Go version unknown");
	if (r->arch) {
		put(f, ", ");
		put_text(f, r->arch);
	}
	put(f, ")\n");

	size_t nsys = 0;
	for (size_t i = 0; i < r->ngoroutines; i++)
		nsys += r->goroutines[i].system;
	put_plural(f, r->ngoroutines, "goroutine", "goroutines");
	if (st.n) {
		put(f, ": ");
		put_tally_line(f, &st, st.n);
	}
	if (nsys) {
		put(f, " (");
		put_count(f, nsys);
		put(f, " runtime-internal)");
	}
	fputc_unlocked('\n', f);
	if (wr.n) {
		put(f, "waiting on: ");
		put_tally_line(f, &wr, SUMMARY_REASONS);
		fputc_unlocked('\n', f);
	}
	gs_report_tally_free(&st);
	gs_report_tally_free(&wr);

	if (!g || g->ngroups == 0)
		return 0;
	fprintf(f, "largest groups (by %s):\n", gs_group_by_name(g->by));
	size_t shown = 0, left = 0;
	for (size_t k = 0; k < g->ngroups; k++) {
		const struct gs_group *gp = &g->groups[k];
		if (!all && system_only(r, gp))
			continue;
		if (shown == SUMMARY_GROUPS) {
			left++;
			continue;
		}
		char num[32];
		fprintf(f, "%11s  ", fmt_count(num, gp->count));
		put_label(f, r, g, gp);
		fputc_unlocked('\n', f);
		shown++;
	}
	if (left) {
		put(f, "             ... and ");
		put_plural(f, left, "more group", "more groups");
		fputc_unlocked('\n', f);
	}
	return 0;
}

/* The leaks first: per user site, how many goroutines are definitely
 * leaked or suspect there, and the first one's reason. */
static void put_leaks(FILE *f, const struct gs_report *r)
{
	size_t ndef = 0, nsus = 0;
	for (size_t i = 0; i < r->ngoroutines; i++) {
		const struct gs_leak *l = r->goroutines[i].leak;
		ndef += l && !strcmp(l->verdict, "definite");
		nsus += l && !strcmp(l->verdict, "suspect");
	}
	if (!ndef && !nsus) {
		put(f, "leaks: none found\n");
		return;
	}
	struct gs_groups *sites = gs_group(r, GS_GROUP_SITE);
	if (!sites)
		return;
	char num[32];
	put(f, "leaks: ");
	put(f, fmt_count(num, ndef));
	put(f, " definite, ");
	put(f, fmt_count(num, nsus));
	put(f, " suspect\n");
	for (int pass = 0; pass < 2; pass++) {
		const char *verdict = pass == 0 ? "definite" : "suspect";
		for (size_t k = 0; k < sites->ngroups; k++) {
			const struct gs_group *gp = &sites->groups[k];
			size_t n = 0;
			const struct gs_goroutine *first = NULL;
			for (size_t j = 0; j < gp->count; j++) {
				const struct gs_goroutine *g = &r->goroutines[gp->members[j]];
				if (g->leak && !strcmp(g->leak->verdict, verdict)) {
					n++;
					first = first ? first : g;
				}
			}
			if (!n)
				continue;
			fprintf(f, "%11s  %-8s  ", fmt_count(num, n), verdict);
			put_text(f, gp->key);
			put(f, "\n             ");
			put_text(f, first->leak->reason);
			fputc_unlocked('\n', f);
		}
	}
	gs_groups_free(sites);
}

static void put_frames(FILE *f, const struct gs_goroutine *g)
{
	for (size_t i = 0; i < g->nframes; i++) {
		const struct gs_frame *fr = &g->frames[i];
		put_text(f, fr->func);
		if (fr->inlined)
			put(f, " (inlined)");
		put(f, "\n\t");
		put_text(f, fr->file);
		fprintf(f, ":%lld\n", (long long)fr->line);
	}
	if (g->frames_truncated)
		put(f, "...additional frames elided...\n");
	if (g->stack_error) {
		put(f, "(stack unreadable past this point: ");
		put_text(f, g->stack_error);
		put(f, ")\n");
	}
}

static bool labels_eq(const struct gs_goroutine *a, const struct gs_goroutine *b)
{
	if (a->nlabels != b->nlabels)
		return false;
	for (size_t i = 0; i < a->nlabels; i++)
		if (!str_eq(a->labels[i].key, b->labels[i].key) || !str_eq(a->labels[i].value, b->labels[i].value))
			return false;
	return true;
}

static void put_group(FILE *f, const struct gs_report *r, const struct gs_group *gp)
{
	const struct gs_goroutine *first = &r->goroutines[gp->members[0]];
	int64_t minutes = -1, parent = first->parent_id;
	bool locked = true, same_labels = true;
	for (size_t k = 0; k < gp->count; k++) {
		const struct gs_goroutine *g = &r->goroutines[gp->members[k]];
		if (g->wait_minutes > minutes)
			minutes = g->wait_minutes;
		locked &= g->locked;
		if (g->parent_id != parent)
			parent = -1;
		if (same_labels && !labels_eq(g, first))
			same_labels = false;
	}

	put_plural(f, gp->count, "goroutine", "goroutines");
	put(f, " [");
	put_state(f, r, gp);
	if (minutes >= 0) {
		put(f, gp->count > 1 ? ", up to " : ", ");
		put_plural(f, (uint64_t)minutes, "minute", "minutes");
	}
	if (locked)
		put(f, ", locked to thread");
	put(f, "]:\n");

	put(f, gp->count > 1 ? "ids: " : "id: ");
	for (size_t k = 0; k < gp->count && k < LIST_IDS; k++) {
		if (k)
			put(f, ", ");
		if (r->goroutines[gp->members[k]].id)
			fprintf(f, "%llu", (unsigned long long)r->goroutines[gp->members[k]].id);
		else
			put(f, "?");
	}
	if (gp->count > LIST_IDS) {
		put(f, ", ... and ");
		put_count(f, gp->count - LIST_IDS);
		put(f, " more");
	}
	fputc_unlocked('\n', f);
	if (same_labels && first->nlabels) {
		put(f, "labels: {");
		for (size_t i = 0; i < first->nlabels; i++) {
			put(f, i ? ", " : "");
			put_text(f, first->labels[i].key);
			put(f, ": ");
			put_text(f, first->labels[i].value);
		}
		put(f, "}\n");
	}

	if (!gp->frames)
		fprintf(f, "(stacks differ; goroutine %llu's:)\n", (unsigned long long)first->id);
	put_frames(f, first);

	if (first->has_created) {
		if (!gp->created)
			fprintf(f, "(creators differ; goroutine %llu's:)\n", (unsigned long long)first->id);
		put(f, "created by ");
		put_text(f, first->created.func);
		if (parent >= 0)
			fprintf(f, " in goroutine %lld", (long long)parent);
		put(f, "\n\t");
		put_text(f, first->created.file);
		fprintf(f, ":%lld\n", (long long)first->created.line);
	}
	fputc_unlocked('\n', f);
}

int gs_report_text(FILE *out, const struct gs_report *r, const struct gs_groups *g,
                   const struct gs_view_options *opts)
{
	bool all = opts && opts->all, only = opts && opts->groups_only;
	flockfile(out);
	if (!only) {
		if (put_summary(out, r, g, all) < 0) {
			funlockfile(out);
			return -1;
		}
		put_leaks(out, r);
	}
	if (r->ngoroutines == 0)
		put(out, "no goroutines found\n");
	if (!only)
		fputc_unlocked('\n', out);

	size_t hidden_groups = 0, hidden = 0;
	for (size_t k = 0; g && k < g->ngroups; k++) {
		const struct gs_group *gp = &g->groups[k];
		if (!all && system_only(r, gp)) {
			hidden_groups++;
			hidden += gp->count;
			continue;
		}
		put_group(out, r, gp);
		if (ferror(out))
			break;
	}
	if (hidden_groups && !only) {
		put(out, "(");
		put_plural(out, hidden_groups, "group", "groups");
		put(out, " of ");
		put_plural(out, hidden, "runtime-internal goroutine", "runtime-internal goroutines");
		put(out, " not shown; --all lists them)\n");
	}
	if (r->nwarnings && !only) {
		put(out, hidden_groups ? "\n" : "");
		for (size_t i = 0; i < r->nwarnings; i++) {
			put(out, "warning: ");
			put_text(out, r->warnings[i]);
			fputc_unlocked('\n', out);
		}
	}
	funlockfile(out);
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return 0;
}

int gs_report_lines(FILE *out, const struct gs_report *r)
{
	flockfile(out);
	for (size_t i = 0; i < r->ngoroutines && !ferror(out); i++) {
		const struct gs_goroutine *g = &r->goroutines[i];
		if (g->status && !strcmp(g->status, "dead"))
			continue;
		bool on_thread = g->status && (!strcmp(g->status, "running") || !strcmp(g->status, "syscall"));
		fprintf(out, "%c %llu %-8s ", on_thread ? '*' : ' ', (unsigned long long)g->id,
		        g->status ? g->status : "?");
		put_text(out, g->nframes ? g->frames[0].func : "?");
		if (g->wait_reason) {
			put(out, " [");
			put_text(out, g->wait_reason);
			put(out, "]");
		}
		ssize_t u = gs_user_frame(r, g);
		if (u > 0) {
			fputc_unlocked(' ', out);
			put_loc(out, &g->frames[u]);
		}
		if (g->leak) {
			put(out, " (leak: ");
			put_text(out, g->leak->verdict);
			put(out, ")");
		}
		fputc_unlocked('\n', out);
	}
	funlockfile(out);
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return 0;
}
