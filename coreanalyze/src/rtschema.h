/* rtschema.h - every runtime type, field, global and constant gostuck reads,
 * listed once and resolved once from DWARF.  Layer: binary.
 * No offset of a runtime structure appears anywhere else in the code:
 * callers ask the schema.  A field path may list alternatives separated by
 * '|' (the first that exists wins), and may descend into nested structs
 * with '.' (atomicstatus.value since Go 1.20 wraps it in atomic.Uint32). */
#ifndef GS_RTSCHEMA_H
#define GS_RTSCHEMA_H

#include <stdbool.h>
#include <stdint.h>
#include "elffile.h"
#include "gostuck.h"

/* X(id, kind, type-or-symbol, field-path, required) */
#define GS_RT_SCHEMA(X)                                                                        \
	/* runtime.g: the goroutine */                                                         \
	X(G, TYPE, "runtime.g", NULL, 1)                                                       \
	X(G_STACK_LO, FIELD, "runtime.g", "stack.lo", 1)                                       \
	X(G_STACK_HI, FIELD, "runtime.g", "stack.hi", 1)                                       \
	X(G_SCHED_PC, FIELD, "runtime.g", "sched.pc", 1)                                       \
	X(G_SCHED_SP, FIELD, "runtime.g", "sched.sp", 1)                                       \
	X(G_SCHED_LR, FIELD, "runtime.g", "sched.lr", 0)                                       \
	X(G_SYSCALLSP, FIELD, "runtime.g", "syscallsp", 1)                                     \
	X(G_SYSCALLPC, FIELD, "runtime.g", "syscallpc", 1)                                     \
	X(G_STATUS, FIELD, "runtime.g", "atomicstatus.value|atomicstatus", 1)                  \
	X(G_GOID, FIELD, "runtime.g", "goid", 1)                                               \
	X(G_WAITSINCE, FIELD, "runtime.g", "waitsince", 1)                                     \
	X(G_WAITREASON, FIELD, "runtime.g", "waitreason", 1)                                   \
	X(G_M, FIELD, "runtime.g", "m", 1)                                                     \
	X(G_LOCKEDM, FIELD, "runtime.g", "lockedm", 0)                                         \
	X(G_STARTPC, FIELD, "runtime.g", "startpc", 1)                                         \
	X(G_GOPC, FIELD, "runtime.g", "gopc", 1)                                               \
	X(G_PARENTGOID, FIELD, "runtime.g", "parentGoid", 0) /* 1.21+ */                      \
	X(G_LABELS, FIELD, "runtime.g", "labels", 0)                                           \
	X(G_RUNNINGCLEANUPS, FIELD, "runtime.g", "runningCleanups.u.value", 0) /* 1.25+ */      \
	/* runtime.m: an OS thread */                                                          \
	X(M, TYPE, "runtime.m", NULL, 1)                                                       \
	X(P, TYPE, "runtime.p", NULL, 0)                                                       \
	X(M_PROCID, FIELD, "runtime.m", "procid", 1)                                           \
	X(M_CURG, FIELD, "runtime.m", "curg", 1)                                               \
	X(M_ALLLINK, FIELD, "runtime.m", "alllink", 1)                                         \
	X(M_G0, FIELD, "runtime.m", "g0", 0)                                                   \
	X(M_GSIGNAL, FIELD, "runtime.m", "gsignal", 0)                                         \
	X(M_VDSOSP, FIELD, "runtime.m", "vdsoSP", 0)                                           \
	X(M_VDSOPC, FIELD, "runtime.m", "vdsoPC", 0)                                           \
	/* scheduler globals */                                                                \
	X(ALLGS, GLOBAL, "runtime.allgs", NULL, 1)                                             \
	X(ALLGLEN, GLOBAL, "runtime.allglen", NULL, 1)                                         \
	X(ALLM, GLOBAL, "runtime.allm", NULL, 1)                                               \
	X(SCHED, GLOBAL, "runtime.sched", NULL, 0)                                             \
	X(SCHED_LASTPOLL, FIELD, "runtime.schedt", "lastpoll.value|lastpoll", 0)               \
	X(ALLP, GLOBAL, "runtime.allp", NULL, 0)                                               \
	X(P_SCHEDWHEN, FIELD, "runtime.p", "sysmontick.schedwhen", 0)                          \
	X(RUNTIMEINITTIME, GLOBAL, "runtime.runtimeInitTime", NULL, 0)                         \
	X(BUILDVERSION, GLOBAL, "runtime.buildVersion", NULL, 0)                               \
	X(MODINFO, GLOBAL, "runtime.modinfo", NULL, 0)                                         \
	X(WAITREASONSTRINGS, GLOBAL, "runtime.waitReasonStrings", NULL, 1)                     \
	X(GSTATUSSTRINGS, GLOBAL, "runtime.gStatusStrings", NULL, 1)                           \
	X(FINGSTATUS, GLOBAL, "runtime.fingStatus", NULL, 0) /* 1.21+ (atomic.Uint32) */      \
	X(FINGRUNNING, GLOBAL, "runtime.fingRunning", NULL, 0) /* 1.19 (bool) */              \
	X(UNWINDER, TYPE, "runtime.unwinder", NULL, 0) /* the 1.21+ traceback unwinder */       \
	/* what goroutines wait on (waitobj.c) */                                             \
	X(G_WAITING, FIELD, "runtime.g", "waiting", 0)                                         \
	X(G_TIMER, FIELD, "runtime.g", "timer", 0)                                             \
	X(SUDOG, TYPE, "runtime.sudog", NULL, 0)                                               \
	X(SUDOG_G, FIELD, "runtime.sudog", "g", 0)                                             \
	X(SUDOG_NEXT, FIELD, "runtime.sudog", "next", 0)                                       \
	X(SUDOG_PREV, FIELD, "runtime.sudog", "prev", 0)                                       \
	X(SUDOG_ELEM, FIELD, "runtime.sudog", "elem.vu|elem", 0) /* 1.26 wraps it */           \
	X(SUDOG_WAITLINK, FIELD, "runtime.sudog", "waitlink", 0)                               \
	X(SUDOG_C, FIELD, "runtime.sudog", "c.maybeTraceablePtr.vu|c", 0)                      \
	X(SUDOG_ISSELECT, FIELD, "runtime.sudog", "isSelect", 0)                               \
	X(HCHAN, TYPE, "runtime.hchan", NULL, 0)                                               \
	X(HCHAN_QCOUNT, FIELD, "runtime.hchan", "qcount", 0)                                   \
	X(HCHAN_DATAQSIZ, FIELD, "runtime.hchan", "dataqsiz", 0)                               \
	X(HCHAN_CLOSED, FIELD, "runtime.hchan", "closed", 0)                                   \
	X(HCHAN_ELEMTYPE, FIELD, "runtime.hchan", "elemtype", 0)                               \
	X(HCHAN_RECVQ, FIELD, "runtime.hchan", "recvq.first", 0)                               \
	X(HCHAN_SENDQ, FIELD, "runtime.hchan", "sendq.first", 0)                               \
	X(HCHAN_BUF, FIELD, "runtime.hchan", "buf", 0)                                         \
	X(HCHAN_ELEMSIZE, FIELD, "runtime.hchan", "elemsize", 0)                               \
	X(HCHAN_SENDX, FIELD, "runtime.hchan", "sendx", 0)                                     \
	X(HCHAN_RECVX, FIELD, "runtime.hchan", "recvx", 0)                                     \
	X(TYPE_STR, FIELD, "internal/abi.Type|runtime._type", "Str|str", 0)                    \
	X(TYPE_TFLAG, FIELD, "internal/abi.Type|runtime._type", "TFlag|tflag", 0)              \
	X(C_TFLAGEXTRASTAR, CONST, "internal/abi.TFlagExtraStar|runtime.tflagExtraStar", NULL, 0) \
	X(FIRSTMODULEDATA, GLOBAL, "runtime.firstmoduledata", NULL, 0)                        \
	X(MODULEDATA_TYPES, FIELD, "runtime.moduledata", "types", 0)                           \
	X(SEMTABLE, GLOBAL, "runtime.semtable", NULL, 0)                                       \
	X(SEMAROOT_TREAP, FIELD, "runtime.semaRoot", "treap", 0)                               \
	X(MUTEX_STATE, FIELD, "sync.Mutex", "mu.state|state", 0)                               \
	X(MUTEX_SEMA, FIELD, "sync.Mutex", "mu.sema|sema", 0)                                  \
	X(RWMUTEX_WRITERSEM, FIELD, "sync.RWMutex", "writerSem", 0)                            \
	X(RWMUTEX_READERSEM, FIELD, "sync.RWMutex", "readerSem", 0)                            \
	X(RWMUTEX_W, FIELD, "sync.RWMutex", "w", 0)                                            \
	X(RWMUTEX_READERCOUNT, FIELD, "sync.RWMutex", "readerCount.v|readerCount", 0)          \
	X(WAITGROUP_STATE, FIELD, "sync.WaitGroup", "state.v|state1", 0)                       \
	X(WAITGROUP_SEMA, FIELD, "sync.WaitGroup", "sema|state2", 0)                           \
	X(COND_NOTIFY, FIELD, "sync.Cond", "notify", 0)                                        \
	X(NOTIFYLIST_HEAD, FIELD, "runtime.notifyList", "head", 0)                             \
	X(FD_SYSFD, FIELD, "internal/poll.FD", "Sysfd", 0)                                     \
	/* the heap, for reachability (reach.c) */                                           \
	X(MHEAP, GLOBAL, "runtime.mheap_", NULL, 0)                                            \
	X(MHEAP_ARENAS, FIELD, "runtime.mheap", "arenas", 0)                                   \
	X(HEAPARENA_SPANS, FIELD, "runtime.heapArena", "spans", 0)                             \
	X(MSPAN_STARTADDR, FIELD, "runtime.mspan", "startAddr", 0)                             \
	X(MSPAN_NPAGES, FIELD, "runtime.mspan", "npages", 0)                                   \
	X(MSPAN_ELEMSIZE, FIELD, "runtime.mspan", "elemsize", 0)                               \
	X(MSPAN_SPANCLASS, FIELD, "runtime.mspan", "spanclass", 0)                             \
	X(MSPAN_STATE, FIELD, "runtime.mspan", "state.s.value|state.s", 0)                     \
	X(MSPAN_NELEMS, FIELD, "runtime.mspan", "nelems", 0)                                   \
	X(MSPAN_FREEINDEX, FIELD, "runtime.mspan", "freeindex", 0)                             \
	X(MSPAN_ALLOCBITS, FIELD, "runtime.mspan", "allocBits", 0)                             \
	X(MSPAN_GCMARKBITS, FIELD, "runtime.mspan", "gcmarkBits", 0)                           \
	X(MSPAN_SWEEPGEN, FIELD, "runtime.mspan", "sweepgen", 0)                               \
	X(MHEAP_SWEEPGEN, FIELD, "runtime.mheap", "sweepgen", 0)                               \
	X(C_MSPANINUSE, CONST, "runtime.mSpanInUse", NULL, 0)                                  \
	X(C_PAGESIZE, CONST, "runtime.pageSize|runtime._PageSize", NULL, 0)                    \
	X(C_PAGESPERARENA, CONST, "runtime.pagesPerArena", NULL, 0)                            \
	X(C_HEAPARENABYTES, CONST, "runtime.heapArenaBytes", NULL, 0)                          \
	X(C_ARENAL2BITS, CONST, "runtime.arenaL2Bits", NULL, 0)                                \
	X(C_ARENAL1BITS, CONST, "runtime.arenaL1Bits", NULL, 0)                                \
	X(MODULEDATA_DATA, FIELD, "runtime.moduledata", "data", 0)                             \
	X(MODULEDATA_EDATA, FIELD, "runtime.moduledata", "edata", 0)                           \
	X(MODULEDATA_BSS, FIELD, "runtime.moduledata", "bss", 0)                               \
	X(MODULEDATA_EBSS, FIELD, "runtime.moduledata", "ebss", 0)                             \
	X(MODULEDATA_GCDATAMASK, FIELD, "runtime.moduledata", "gcdatamask.bytedata", 0)        \
	X(MODULEDATA_GCBSSMASK, FIELD, "runtime.moduledata", "gcbssmask.bytedata", 0)          \
	X(SUDOG_CFIELD, FIELD, "runtime.sudog", "c", 0)                                        \
	X(SUDOG_ELEMFIELD, FIELD, "runtime.sudog", "elem", 0)                                  \
	X(TIMER_WHEN, FIELD, "runtime.timer", "when", 0)                                       \
	/* constants */                                                                        \
	X(C_GRUNNING, CONST, "runtime._Grunning", NULL, 1)                                     \
	X(C_GSYSCALL, CONST, "runtime._Gsyscall", NULL, 1)                                     \
	X(C_GWAITING, CONST, "runtime._Gwaiting", NULL, 1)                                     \
	X(C_GDEAD, CONST, "runtime._Gdead", NULL, 1)                                           \
	X(C_GSCAN, CONST, "runtime._Gscan", NULL, 1)                                           \
	X(C_GLEAKED, CONST, "runtime._Gleaked", NULL, 0) /* 1.26+ */                          \
	X(C_GDEADEXTRA, CONST, "runtime._Gdeadextra", NULL, 0) /* 1.26+, cgo */               \
	X(C_FINGRUNNINGFINALIZER, CONST, "runtime.fingRunningFinalizer", NULL, 0)              \
	/* pprof labels: a map until 1.23, a sorted slice of pairs from 1.24 */                \
	X(LABELMAP, TYPE, "runtime/pprof.labelMap", NULL, 0)                                   \
	X(LABELMAP_LIST, FIELD, "runtime/pprof.labelMap", "LabelSet.list|Set.List|Set.list", 0)         \
	X(HMAP_COUNT, FIELD, "runtime.hmap", "count", 0)                                       \
	X(HMAP_B, FIELD, "runtime.hmap", "B", 0)                                               \
	X(HMAP_BUCKETS, FIELD, "runtime.hmap", "buckets", 0)                                   \
	X(HMAP_OLDBUCKETS, FIELD, "runtime.hmap", "oldbuckets", 0)                             \
	X(SSBUCKET, TYPE, "bucket<string,string>", NULL, 0)                                 \
	X(SSBUCKET_TOPHASH, FIELD, "bucket<string,string>", "tophash", 0)                   \
	X(SSBUCKET_KEYS, FIELD, "bucket<string,string>", "keys", 0)                         \
	X(SSBUCKET_ELEMS, FIELD, "bucket<string,string>", "values|elems", 0)                \
	X(SSBUCKET_OVERFLOW, FIELD, "bucket<string,string>", "overflow", 0)

enum gs_rt_id {
#define GS_RT_ENUM(id, kind, name, path, req) GS_RT_##id,
	GS_RT_SCHEMA(GS_RT_ENUM)
#undef GS_RT_ENUM
	GS_RT_COUNT
};

enum gs_rt_kind { GS_RT_TYPE, GS_RT_FIELD, GS_RT_GLOBAL, GS_RT_CONST };

struct gs_rt_item {
	bool found;
	uint64_t value; /* TYPE: byte size; FIELD: offset; GLOBAL: address; CONST: value */
	uint64_t size;  /* FIELD: the member's byte size; GLOBAL: its type's byte size */
	uint64_t count; /* GLOBAL of array type: number of elements */
	int tag;        /* TYPE: DWARF tag of the type under any typedefs (struct, pointer...) */
	uint8_t *ptrmap; /* TYPE of a struct: 1 bit per 8-byte word that holds a pointer,
	                  * from its DWARF member types (malloc'd; gs_rtschema_free) */
};

struct gs_rtschema {
	struct gs_rt_item it[GS_RT_COUNT];
};

/* Resolve the schema from the executable's DWARF.  Fatal errors:
 * GS_E_UNSUPPORTED when there is no DWARF (says how to rebuild), or when
 * required items are missing (one message naming all of them, which
 * usually means "not a Go program" or an unsupported release). */
int gs_rtschema_load(const struct gs_elf *exe, struct gs_rtschema *out, struct gs_error *err);

/* A position-independent executable loaded at bias: the globals'
 * addresses become run-time ones.  Once per schema. */
void gs_rtschema_rebase(struct gs_rtschema *s, uint64_t bias);

/* Free what gs_rtschema_load allocated (the pointer maps). */
void gs_rtschema_free(struct gs_rtschema *s);

/* True when the word at byte offset off of a TYPE item holds a pointer;
 * true too when the type has no pointer map (callers then stay
 * conservative). */
bool gs_rt_ptrword(const struct gs_rtschema *s, enum gs_rt_id id, uint64_t off);

static inline bool gs_rt_has(const struct gs_rtschema *s, enum gs_rt_id id) { return s->it[id].found; }
static inline uint64_t gs_rt_val(const struct gs_rtschema *s, enum gs_rt_id id) { return s->it[id].value; }

/* Read a FIELD of a struct from a local copy of it (base = its bytes,
 * len = how many we have): zero-extended, 0 when the field is absent or
 * lies outside the copy. */
uint64_t gs_rt_field(const struct gs_rtschema *s, enum gs_rt_id id, const uint8_t *base, size_t len);

#endif
