/* chan.c - gs_chan_inspect: one channel read on demand, for debugger front
 * ends ("gostuck chan ch" in gdb): its header, its ring buffer's place and
 * the goroutines queued on it.  Layer: runtime model.  It reads the target
 * again (the report only holds channels somebody waits on) and checks what
 * it reads against the runtime's own limits before calling it a channel;
 * it never interprets the buffer's elements (the debugger prints them with
 * its own type printers). */
#include <stdlib.h>

#include "model.h"

#define MAX_QUEUE (1u << 20) /* sudogs walked per queue */
#define MAX_ELEMSIZE (1u << 16) /* makechan: "channel element type too large (>64kB)" */

static int walk_queue(struct gs_model *m, const struct gs_map *gidx, const struct gs_report *r, uint64_t s,
                      const uint64_t **ids, size_t *n)
{
	struct gs_vec v;
	gs_vec_init(&v, sizeof(uint64_t));
	int rc = 0;
	struct gs_cycle cy;
	gs_cycle_init(&cy);
	for (size_t k = 0; s; k++) {
		uint64_t g = 0, i;
		/* A cyclic queue is damage: the same failure as a queue cut
		 * short, not MAX_QUEUE copies of its waiters. */
		if (k == MAX_QUEUE || gs_cycle_step(&cy, s) || gs_mem_field(m, s, GS_RT_SUDOG_G, &g) != 0) {
			rc = -1;
			break;
		}
		if (gs_map_get(gidx, g, &i))
			*(uint64_t *)gs_vec_push(&v) = r->goroutines[i - 1].id;
		if (gs_mem_field(m, s, GS_RT_SUDOG_NEXT, &s) != 0) {
			rc = -1;
			break;
		}
	}
	uint64_t *out = gs_arena_alloc(m->arena, (v.len ? v.len : 1) * sizeof *out);
	if (v.len)
		memcpy(out, v.data, v.len * sizeof *out);
	*ids = out;
	*n = v.len;
	gs_vec_free(&v);
	return rc;
}

static int inspect(struct gs_analysis *a, uint64_t addr, struct gs_chan_info *out, struct gs_error *err)
{
	struct gs_model *m = &a->m;
	const struct gs_rtschema *rs = &m->rs;
	uint64_t qcount = 0, cap = 0, closed = 0, et = 0, buf = 0, esize = 0, sendx = 0, recvx = 0, sq = 0, rq = 0;
	if (!gs_rt_has(rs, GS_RT_HCHAN_BUF) || !gs_rt_has(rs, GS_RT_HCHAN_ELEMSIZE) || !gs_rt_has(rs, GS_RT_HCHAN_RECVX))
		return gs_fail(err, GS_E_UNSUPPORTED, "this program's DWARF does not describe runtime.hchan's buffer");
	if (gs_mem_field(m, addr, GS_RT_HCHAN_QCOUNT, &qcount) || gs_mem_field(m, addr, GS_RT_HCHAN_DATAQSIZ, &cap) ||
	    gs_mem_field(m, addr, GS_RT_HCHAN_CLOSED, &closed) || gs_mem_field(m, addr, GS_RT_HCHAN_ELEMTYPE, &et) ||
	    gs_mem_field(m, addr, GS_RT_HCHAN_BUF, &buf) || gs_mem_field(m, addr, GS_RT_HCHAN_ELEMSIZE, &esize) ||
	    gs_mem_field(m, addr, GS_RT_HCHAN_SENDX, &sendx) || gs_mem_field(m, addr, GS_RT_HCHAN_RECVX, &recvx) ||
	    gs_mem_field(m, addr, GS_RT_HCHAN_SENDQ, &sq) || gs_mem_field(m, addr, GS_RT_HCHAN_RECVQ, &rq))
		return gs_fail(err, GS_E_INPUT, "no channel at %#llx: its runtime.hchan is not readable",
		               (unsigned long long)addr);
	const char *et_name = gs_waits_type_name(m, et);
	/* The runtime's own invariants (makechan, chansend, chanrecv). */
	if (!et_name || esize >= MAX_ELEMSIZE || cap > ((uint64_t)1 << 48) || qcount > cap || closed > 1 ||
	    (cap && (sendx >= cap || recvx >= cap)) || (cap && esize && !buf))
		return gs_fail(err, GS_E_INPUT,
		               "no channel at %#llx: its runtime.hchan makes no sense (len %llu, cap %llu, elemsize %llu); "
		               "give the channel's value or its hchan address",
		               (unsigned long long)addr, (unsigned long long)qcount, (unsigned long long)cap,
		               (unsigned long long)esize);
	*out = (struct gs_chan_info){ .elem_type = et_name, .elemsize = esize, .cap = (int64_t)cap,
		                      .len = (int64_t)qcount, .closed = (int)closed, .buf = buf,
		                      .recvx = recvx, .sendx = sendx };
	struct gs_map gidx;
	gs_map_init(&gidx);
	for (size_t i = 0; i < a->r.ngoroutines; i++)
		gs_map_put(&gidx, a->r.goroutines[i].gaddr, i + 1);
	int rc = walk_queue(m, &gidx, &a->r, sq, &out->senders, &out->nsenders) |
	         walk_queue(m, &gidx, &a->r, rq, &out->receivers, &out->nreceivers);
	gs_map_free(&gidx);
	if (rc != 0)
		return gs_fail(err, GS_E_INPUT, "channel at %#llx: a wait queue is unreadable", (unsigned long long)addr);
	return 0;
}

int gs_chan_inspect(struct gs_analysis *a, const struct gs_callbacks *cb, uint64_t addr, struct gs_chan_info *out,
                    struct gs_error *err)
{
	struct gs_model *m = &a->m;
	if (m->target.ops)
		return gs_fail(err, GS_E_USAGE, "the analysis is still reading its target");
	if (gs_target_open_callbacks(cb, &m->target, err) != 0)
		return -1;
	int rc = inspect(a, addr, out, err);
	gs_target_close(&m->target);
	return rc;
}
