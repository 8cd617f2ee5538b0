/*
 * bridgepath_harness.c: the machine around a real drivers/pci/liveupdate.c (written for
 * bridgepath; no kernel source in it). Compiled in the same translation unit, after the file.
 *
 * It plays what the kernel file cannot see:
 * - the PCI core: struct pci_dev / pci_bus for a topology, enumeration after kexec (fresh
 *   liveupdate fields in every struct pci_dev, the file's setup function for every enumerated
 *   device), hot-unplug (its cleanup function, children
 *   first), shutdown freeze (its freeze function, where the version has one);
 * - LUO, for a chain of Live Updates: every kernel has an outgoing FLB session of its own (its
 *   count of preserved files starts at 0; .preserve at its first preserve, the count undone when
 *   that preserve fails, .unpreserve when its last preserved file goes) beside the incoming one
 *   it inherited; kexec, from every phase, serializes the outgoing FLB only and only if its count
 *   is not 0 (the data and the count cross), and drops the incoming one as it is (no .finish);
 *   .retrieve at the first incoming get, .finish when the last incoming reference is put
 *   (finish-all drops the files' references);
 * - memory: every allocation in its own pages, never reused; a freed block is made inaccessible
 *   and a later access is a use-after-free event (the access then proceeds on the freed copy);
 *   at kexec every block that the running kernel did not KHO-preserve is gone (the KHO memory it
 *   restored from the previous generation among them: it is not preserved again);
 * - the kernel's end: BUG and panic() stop the kernel; later operations return -ENOENT.
 *
 * The entry points BP_FN_PRESERVE, BP_FN_UNPRESERVE, BP_FN_FINISH, BP_FN_REGISTER_FLB and the
 * optional BP_FN_SETUP, BP_FN_CLEANUP, BP_FN_FREEZE are defined by kernel-check; BP_TABLE_FIXED
 * or BP_TABLE_BLOCKSET says how struct pci_ser holds its slots.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define BP_API __attribute__((visibility("default")))

enum bp_event_kind {
	BP_EV_BUG_AT_RELEASE = 0,
	BP_EV_TABLE_FREED = 1,
	BP_EV_USE_AFTER_FREE = 2,
	BP_EV_PANIC_AT_FINISH = 3,
	BP_EV_INCOMING_HELD = 4,
	BP_EV_RETRIEVE_FAILED = 5,
	BP_EV_NULL_DEREF = 6,	/* a NULL pointer dereference in the kernel code: Oops */
	BP_EV_RELEASE_CLEARED = 7, /* the release warned and cleared every pointer into the table */
	BP_EV_OTHER_BUG = 10,	/* a BUG outside the table's release */
	BP_EV_OTHER_PANIC = 11, /* a panic outside the end of the update */
};

struct bp_event {
	int kind;
	int dev;
	unsigned nr_devices;
	long seq; /* the walk step it happened in (use-after-free: one event per step) */
	char what[160];
};

#define BP_MAX_EVENTS 64

/* The machine. */
static struct pci_dev *bp_devs;
static struct pci_bus *bp_buses;
static unsigned char *bp_fail;	   /* per device: bit 0 preserve, 1 unpreserve, 2 finish step */
static unsigned char *bp_gone;	   /* per device: 1 unplugged, 2 not enumerated after kexec */
static unsigned char *bp_vanish;   /* per device: marked to vanish at the kexec */
static unsigned char *bp_file_out; /* per device: a preserved file in the outgoing session */
static unsigned char *bp_file_in;  /* per device: an incoming file not finished yet */
static int bp_n;
static int bp_phase;  /* 0 outgoing (generation 0), 1 incoming, 2 ended */
static int bp_generation; /* kexecs so far: the running kernel is generation bp_generation */
static int bp_dead;   /* BUG or panic: the kernel is gone */
static jmp_buf bp_death;
static int bp_in_kernel;
static int bp_cur_dev = -1;
static long bp_step_seq;
static struct bp_event bp_events[BP_MAX_EVENTS];
static int bp_nevents;
static void (*bp_crash_hook)(const char *what);
static size_t bp_mem_used, bp_mem_limit = 256u << 20;

/* LUO's FLB, as luo_flb keeps it: the outgoing side is the running kernel's own session (for
 * the next kernel, in every generation), the incoming side the one it inherited at its kexec. */
static struct liveupdate_flb *bp_flb;
static long bp_out_count;
static void *bp_out_obj;
static u64 bp_out_data;
static int bp_in_active, bp_in_retrieved, bp_in_finished;
static long bp_in_count, bp_in_files;
static void *bp_in_obj;
static u64 bp_in_data;
static int bp_in_release, bp_in_finish_op, bp_in_retrieve;
/* A WARN during the release, and nr_devices then: its event is decided when the release ends */
static int bp_release_warned;
static unsigned bp_release_nr;
static int bp_flb_calls[4]; /* .preserve, .unpreserve, .retrieve, .finish: LUO's calls so far */

static void bp_event(int kind, int dev, unsigned nr, const char *what)
{
	struct bp_event *e;

	if (bp_nevents == BP_MAX_EVENTS)
		return;
	e = &bp_events[bp_nevents++];
	e->kind = kind;
	e->dev = dev;
	e->nr_devices = nr;
	e->seq = bp_step_seq;
	snprintf(e->what, sizeof(e->what), "%s", what ? what : "");
}

static void bp_crash(const char *what)
{
	if (bp_crash_hook)
		bp_crash_hook(what);
	fprintf(stderr, "bridgepath harness: %s\n", what);
	_exit(125);
}

/* ---- memory ---- */

struct bp_block {
	char *base;
	size_t len, size;
	int kind;   /* 0 zeroed, 1 KHO preserved, 2 kmalloc (poisoned) */
	int gen;    /* the generation that allocated it (KHO: that preserved it) */
	int freed;  /* 1: freed (inaccessible unless opened for the current step) */
	int opened; /* freed, but opened after a fault until the next step */
};
static struct bp_block *bp_blocks;
static size_t bp_nblocks, bp_capblocks;

static struct bp_block *bp_block_of(const void *p)
{
	const char *c = p;

	for (size_t i = bp_nblocks; i-- > 0;)
		if (c >= bp_blocks[i].base && c < bp_blocks[i].base + bp_blocks[i].len)
			return &bp_blocks[i];
	return NULL;
}

void *bp_alloc(size_t size, int kind)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (size ? size + page - 1 : page) / page * page;
	char *p;

	if (bp_mem_used + len > bp_mem_limit)
		bp_crash("the kernel code went over the memory limit of the harness");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (bp_nblocks == bp_capblocks) {
		size_t cap = bp_capblocks ? 2 * bp_capblocks : 64;
		struct bp_block *b = realloc(bp_blocks, cap * sizeof(*b));

		if (!b)
			bp_crash("the harness ran out of memory");
		bp_blocks = b;
		bp_capblocks = cap;
	}
	if (kind == 2)
		memset(p, 0x5a, len); /* kmalloc: not cleared */
	bp_blocks[bp_nblocks++] = (struct bp_block){ p, len, size, kind, bp_generation, 0, 0 };
	bp_mem_used += len;
	return p;
}

void bp_free(const void *p, int kind, const char *what)
{
	struct bp_block *b;
	char line[160];

	if (!p)
		return;
	b = bp_block_of(p);
	if (!b || (char *)p != b->base) {
		snprintf(line, sizeof(line), "%s of a pointer the kernel code never allocated", what);
		bp_crash(line);
	}
	if (b->freed) {
		snprintf(line, sizeof(line), "double free (%s)", what);
		bp_crash(line);
	}
	(void)kind;
	b->freed = 1;
	b->opened = 0;
	mprotect(b->base, b->len, PROT_NONE);
}

/* Closes every freed block again: the next access is seen. */
static void bp_close_freed(void)
{
	for (size_t i = 0; i < bp_nblocks; i++)
		if (bp_blocks[i].opened) {
			bp_blocks[i].opened = 0;
			mprotect(bp_blocks[i].base, bp_blocks[i].len, PROT_NONE);
		}
}

/* The harness's own look at memory the code may have freed: opens the block p lies in (closed
 * again by bp_close_freed) and gives p back. */
static void *bp_peek(const void *p)
{
	struct bp_block *b = bp_block_of(p);

	if (b && b->freed && !b->opened) {
		b->opened = 1;
		mprotect(b->base, b->len, PROT_READ | PROT_WRITE);
	}
	return (void *)p;
}

static int bp_is_freed(const void *p)
{
	struct bp_block *b = bp_block_of(p);

	return b && b->freed;
}

static void bp_segv(int sig, siginfo_t *info, void *ctx)
{
	struct bp_block *b = bp_block_of(info->si_addr);
	char line[160];

	(void)sig;
	(void)ctx;
	if (b && b->freed && !b->opened) {
		int dup = 0;
		struct pci_ser *live = bp_out_data ? phys_to_virt(bp_out_data) : NULL;

		for (int i = 0; i < bp_nevents; i++)
			dup |= bp_events[i].kind == BP_EV_USE_AFTER_FREE &&
			       bp_events[i].seq == bp_step_seq;
		if (!dup)
			bp_event(BP_EV_USE_AFTER_FREE, bp_cur_dev,
				 live && !bp_is_freed(live) ? live->nr_devices : 0, NULL);
		b->opened = 1;
		mprotect(b->base, b->len, PROT_READ | PROT_WRITE);
		return;
	}
	if ((uintptr_t)info->si_addr < 4096 && bp_in_kernel) {
		/* Oops in the kernel code: an event of the step, and the kernel is gone. */
		struct pci_ser *out = bp_out_data ? phys_to_virt(bp_out_data) : NULL;

		snprintf(line, sizeof(line), "NULL pointer dereference (address %p)",
			 info->si_addr);
		bp_event(BP_EV_NULL_DEREF, bp_cur_dev,
			 out && !bp_is_freed(out) ? out->nr_devices : 0, line);
		bp_dead = 1;
		longjmp(bp_death, 1);
	}
	if ((uintptr_t)info->si_addr < 4096)
		snprintf(line, sizeof(line), "NULL pointer dereference (address %p)",
			 info->si_addr);
	else
		snprintf(line, sizeof(line), "invalid memory access at %p", info->si_addr);
	bp_crash(line);
}

/* ---- what the kernel logs, and its end ---- */

void bp_note_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

void bp_note_warn(const char *file, int line)
{
	if (bp_in_release && !bp_release_warned) {
		struct pci_ser *ser = bp_peek(phys_to_virt(bp_out_data));

		bp_release_warned = 1;
		bp_release_nr = ser->nr_devices;
	}
	(void)file;
	(void)line;
}

void bp_note_bug(const char *file, int line)
{
	char what[160];

	snprintf(what, sizeof(what), "kernel BUG at %s:%d", file, line);
	if (bp_in_release) {
		struct pci_ser *ser = phys_to_virt(bp_out_data);

		bp_event(BP_EV_BUG_AT_RELEASE, -1, ser->nr_devices, what);
	} else {
		bp_event(BP_EV_OTHER_BUG, bp_cur_dev, 0, what);
	}
	if (!bp_in_kernel)
		bp_crash(what);
	bp_dead = 1;
	longjmp(bp_death, 1);
}

void bp_note_panic(const char *file, int line, const char *fmt, ...)
{
	char msg[120], what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	msg[strcspn(msg, "\n")] = 0;
	snprintf(what, sizeof(what), "Kernel panic - not syncing: %s (%s:%d)", msg, file, line);
	if (bp_in_finish_op || bp_in_retrieve) {
		struct pci_ser *ser = bp_peek(phys_to_virt(bp_in_data));

		bp_event(bp_in_retrieve ? BP_EV_RETRIEVE_FAILED : BP_EV_PANIC_AT_FINISH, -1,
			 ser->nr_devices, what);
	} else {
		bp_event(BP_EV_OTHER_PANIC, bp_cur_dev, 0, what);
	}
	if (!bp_in_kernel)
		bp_crash(what);
	bp_dead = 1;
	longjmp(bp_death, 1);
}

void bp_deadlock(const char *what, const char *name)
{
	char line[160];

	snprintf(line, sizeof(line), "deadlock: %s on %s, which is already held", what, name);
	bp_crash(line);
}

/* ---- xarray: sorted arrays of (index, entry) ---- */

void xa_init(struct xarray *xa) { memset(xa, 0, sizeof(*xa)); }

static unsigned long bp_xa_pos(const struct xarray *xa, unsigned long index)
{
	unsigned long lo = 0, hi = xa->n;

	while (lo < hi) {
		unsigned long mid = (lo + hi) / 2;

		if (xa->index[mid] < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void *xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	unsigned long at = bp_xa_pos(xa, index);
	void *old = NULL;

	(void)gfp;
	if (at < xa->n && xa->index[at] == index) {
		old = xa->entry[at];
		xa->entry[at] = entry;
		return old;
	}
	if (xa->n == xa->cap) {
		unsigned long cap = xa->cap ? 2 * xa->cap : 16;
		unsigned long *ni = bp_alloc(cap * sizeof(*ni), 0);
		void **ne = bp_alloc(cap * sizeof(*ne), 0);

		if (!ni || !ne)
			return ERR_PTR(-ENOMEM);
		if (xa->n) {
			memcpy(ni, xa->index, xa->n * sizeof(*ni));
			memcpy(ne, xa->entry, xa->n * sizeof(*ne));
		}
		if (xa->index) {
			bp_free(xa->index, 0, "xarray");
			bp_free(xa->entry, 0, "xarray");
		}
		xa->index = ni;
		xa->entry = ne;
		xa->cap = cap;
	}
	memmove(xa->index + at + 1, xa->index + at, (xa->n - at) * sizeof(*xa->index));
	memmove(xa->entry + at + 1, xa->entry + at, (xa->n - at) * sizeof(*xa->entry));
	xa->index[at] = index;
	xa->entry[at] = entry;
	xa->n++;
	return NULL;
}

int xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	unsigned long at = bp_xa_pos(xa, index);
	void *r;

	if (at < xa->n && xa->index[at] == index)
		return -EBUSY;
	r = xa_store(xa, index, entry, gfp);
	return IS_ERR(r) ? (int)PTR_ERR(r) : 0;
}

void *xa_load(struct xarray *xa, unsigned long index)
{
	unsigned long at = bp_xa_pos(xa, index);

	return at < xa->n && xa->index[at] == index ? xa->entry[at] : NULL;
}

void *xa_erase(struct xarray *xa, unsigned long index)
{
	unsigned long at = bp_xa_pos(xa, index);
	void *old;

	if (at >= xa->n || xa->index[at] != index)
		return NULL;
	old = xa->entry[at];
	memmove(xa->index + at, xa->index + at + 1, (xa->n - at - 1) * sizeof(*xa->index));
	memmove(xa->entry + at, xa->entry + at + 1, (xa->n - at - 1) * sizeof(*xa->entry));
	xa->n--;
	return old;
}

bool xa_empty(const struct xarray *xa) { return xa->n == 0; }

void xa_destroy(struct xarray *xa)
{
	if (xa->index) {
		bp_free(xa->index, 0, "xa_destroy");
		bp_free(xa->entry, 0, "xa_destroy");
	}
	memset(xa, 0, sizeof(*xa));
}

void *xa_find(struct xarray *xa, unsigned long *index, unsigned long max, unsigned int filter)
{
	unsigned long at = bp_xa_pos(xa, *index);

	(void)filter;
	if (at >= xa->n || xa->index[at] > max)
		return NULL;
	*index = xa->index[at];
	return xa->entry[at];
}

void *xa_find_after(struct xarray *xa, unsigned long *index, unsigned long max,
		    unsigned int filter)
{
	if (*index == ~0ul)
		return NULL;
	++*index;
	return xa_find(xa, index, max, filter);
}

/* ---- KHO block set: a chain of preserved blocks of entries ---- */

static struct kho_block_header_ser *bp_block_next(struct kho_block *b)
{
	return b->ser->next ? phys_to_virt(b->ser->next) : NULL;
}

void kho_block_set_init(struct kho_block_set *bs, size_t entry_size)
{
	INIT_LIST_HEAD(&bs->blocks);
	bs->nblocks = 0;
	bs->head_pa = 0;
	bs->entry_size = entry_size;
	bs->count_per_block = (KHO_BLOCK_SIZE - sizeof(struct kho_block_header_ser)) / entry_size;
	bs->incoming = false;
}

static struct kho_block *bp_last_block(struct kho_block_set *bs)
{
	return list_empty(&bs->blocks) ? NULL
				       : list_entry(bs->blocks.prev, struct kho_block, list);
}

int kho_block_set_grow(struct kho_block_set *bs, u64 count)
{
	while ((u64)bs->nblocks * bs->count_per_block < count) {
		struct kho_block *b = kzalloc_obj(*b);
		struct kho_block_header_ser *h;
		struct kho_block *last = bp_last_block(bs);

		if (!b)
			return -ENOMEM;
		h = kho_alloc_preserve(KHO_BLOCK_SIZE);
		if (IS_ERR(h)) {
			kfree(b);
			return (int)PTR_ERR(h);
		}
		b->ser = h;
		if (last)
			last->ser->next = virt_to_phys(h);
		else
			bs->head_pa = virt_to_phys(h);
		list_add_tail(&b->list, &bs->blocks);
		bs->nblocks++;
	}
	return 0;
}

void kho_block_set_shrink(struct kho_block_set *bs, u64 count)
{
	(void)bs;
	(void)count;
}

int kho_block_set_restore(struct kho_block_set *bs, u64 head_pa)
{
	u64 pa = head_pa;

	bs->incoming = true;
	bs->head_pa = head_pa;
	while (pa) {
		struct kho_block *b = kzalloc_obj(*b);

		if (!b)
			return -ENOMEM;
		b->ser = phys_to_virt(pa);
		list_add_tail(&b->list, &bs->blocks);
		bs->nblocks++;
		pa = b->ser->next;
	}
	return 0;
}

static void bp_block_set_free(struct kho_block_set *bs, int free_blocks)
{
	struct kho_block *b, *n;

	list_for_each_entry_safe(b, n, &bs->blocks, list) {
		list_del(&b->list);
		if (free_blocks) {
			if (bs->incoming)
				kho_restore_free(b->ser);
			else
				kho_unpreserve_free(b->ser);
		}
		kfree(b);
	}
	bs->nblocks = 0;
	bs->head_pa = 0;
}

void kho_block_set_destroy(struct kho_block_set *bs) { bp_block_set_free(bs, 1); }
void kho_block_set_clear(struct kho_block_set *bs) { bp_block_set_free(bs, 1); }

void kho_block_set_it_init(struct kho_block_set_it *it, struct kho_block_set *bs)
{
	it->bs = bs;
	it->block = list_empty(&bs->blocks) ? NULL
					    : list_first_entry(&bs->blocks, struct kho_block, list);
	it->i = 0;
}

static void *bp_entry(struct kho_block_set_it *it, u64 i)
{
	return (char *)(it->block->ser + 1) + i * it->bs->entry_size;
}

/* The next entry in use; at the end the iterator stays on the last block, ready to reserve. */
void *kho_block_set_it_read_entry(struct kho_block_set_it *it)
{
	while (it->block) {
		if (it->i < it->block->ser->count)
			return bp_entry(it, it->i++);
		if (it->block->list.next == &it->bs->blocks || !bp_block_next(it->block))
			return NULL;
		it->block = list_next_entry(it->block, list);
		it->i = 0;
	}
	return NULL;
}

/* Reserves the entry after the last one in use (zeroed); NULL without room. */
void *kho_block_set_it_reserve_entry(struct kho_block_set_it *it)
{
	void *e;

	if (!it->block)
		return NULL;
	while (it->i >= it->bs->count_per_block) {
		if (it->block->list.next == &it->bs->blocks)
			return NULL;
		it->block = list_next_entry(it->block, list);
		it->i = 0;
	}
	if (it->i != it->block->ser->count)
		return NULL;
	e = bp_entry(it, it->i++);
	it->block->ser->count++;
	memset(e, 0, it->bs->entry_size);
	return e;
}

void *kho_block_set_it_prev(struct kho_block_set_it *it)
{
	if (!it->block || it->i == 0)
		return NULL;
	return bp_entry(it, --it->i);
}

/* ---- PCI core ---- */

struct pci_dev *bp_pci_next_dev(struct pci_dev *from)
{
	int i = from ? (int)(from - bp_devs) + 1 : 0;

	for (; i < bp_n; i++)
		if (!bp_gone[i])
			return &bp_devs[i];
	return NULL;
}

/* The fail-next wrappers around the walk steps call this first. */
static int bp_step_enter(struct pci_dev *dev, int kind)
{
	int i = (int)(dev - bp_devs);

	bp_close_freed();
	bp_step_seq++;
	bp_cur_dev = (i >= 0 && i < bp_n) ? i : -1;
	if (bp_cur_dev < 0 || !(bp_fail[i] & (1u << kind)))
		return 0;
	bp_fail[i] &= (unsigned char)~(1u << kind);
	return 1;
}

/* The recursive walks (the early file) call these around each device's call: the device whose
 * part runs is known again after the recursion into its bridge returns, as a step of its own. */
static int bp_walk_enter(struct pci_dev *dev)
{
	int outer = bp_cur_dev, i = (int)(dev - bp_devs);

	bp_close_freed();
	bp_step_seq++;
	bp_cur_dev = (i >= 0 && i < bp_n) ? i : -1;
	return outer;
}

static void bp_walk_leave(int outer)
{
	bp_close_freed();
	bp_step_seq++;
	bp_cur_dev = outer;
}

/* A device's cached outgoing / incoming slot, in whichever field the version keeps it. */
static struct pci_dev_ser *bp_dev_out(int d)
{
	return bp_devs[d].liveupdate.outgoing ? bp_devs[d].liveupdate.outgoing
					      : bp_devs[d].liveupdate_outgoing;
}

static struct pci_dev_ser *bp_dev_in(int d)
{
	return bp_devs[d].liveupdate.incoming ? bp_devs[d].liveupdate.incoming
					      : bp_devs[d].liveupdate_incoming;
}

/* ---- LUO ---- */

bool liveupdate_enabled(void) { return true; }

int liveupdate_register_flb(struct liveupdate_file_handler *fh, struct liveupdate_flb *flb)
{
	(void)fh;
	if (!flb->ops->preserve || !flb->ops->unpreserve || !flb->ops->retrieve ||
	    !flb->ops->finish)
		return -EINVAL;
	if (bp_flb && bp_flb != flb)
		return -ENOSPC; /* one FLB is all the harness drives */
	bp_flb = flb;
	return 0;
}

int liveupdate_unregister_flb(struct liveupdate_file_handler *fh, struct liveupdate_flb *flb)
{
	(void)fh;
	(void)flb;
	return 0;
}

int liveupdate_flb_get_outgoing(struct liveupdate_flb *flb, void **objp)
{
	(void)flb;
	*objp = bp_out_obj;
	return 0;
}

void liveupdate_flb_put_outgoing(struct liveupdate_flb *flb) { (void)flb; }

static int bp_retrieve(void)
{
	struct liveupdate_flb_op_args args = { 0 };
	int err;

	if (bp_in_finished || !bp_in_active)
		return -ENODATA;
	if (bp_in_retrieved)
		return 0;
	args.flb = bp_flb;
	args.data = bp_in_data;
	bp_in_retrieve = 1;
	bp_flb_calls[2]++;
	err = bp_flb->ops->retrieve(&args);
	bp_in_retrieve = 0;
	if (err) {
		/* v6 has freed the table, and LUO would retry the retrieve on it at the next get:
		 * the incoming kernel is as good as dead. */
		struct pci_ser *ser = bp_peek(phys_to_virt(bp_in_data));

		bp_event(BP_EV_RETRIEVE_FAILED, -1, ser->nr_devices, "retrieve failed");
		bp_dead = 1;
		longjmp(bp_death, 1);
	}
	bp_in_obj = args.obj;
	bp_in_retrieved = 1;
	bp_in_count = bp_in_files;
	return 0;
}

int liveupdate_flb_get_incoming(struct liveupdate_flb *flb, void **objp)
{
	(void)flb;
	if (!bp_in_obj) {
		int err = bp_retrieve();

		if (err)
			return err;
	}
	bp_in_count++;
	*objp = bp_in_obj;
	return 0;
}

void liveupdate_flb_put_incoming(struct liveupdate_flb *flb)
{
	struct liveupdate_flb_op_args args = { 0 };

	(void)flb;
	if (!bp_in_retrieved && bp_retrieve())
		return;
	if (--bp_in_count)
		return;
	args.flb = bp_flb;
	args.obj = bp_in_obj;
	args.data = bp_in_data;
	bp_in_finish_op = 1;
	bp_flb_calls[3]++;
	bp_flb->ops->finish(&args);
	bp_in_finish_op = 0;
	bp_in_obj = NULL;
	bp_in_finished = 1;
}

/* Some device (present or removed) still caches an outgoing pointer. */
static int bp_any_outgoing(void)
{
	for (int i = 0; i < bp_n; i++)
		if (bp_devs[i].liveupdate.outgoing || bp_devs[i].liveupdate_outgoing)
			return 1;
	return 0;
}

static void bp_flb_unpreserve(void)
{
	struct liveupdate_flb_op_args args = { 0 };
	int pointed;

	args.flb = bp_flb;
	args.data = bp_out_data;
	args.obj = bp_out_obj;
	pointed = bp_any_outgoing();
	bp_in_release = 1;
	bp_release_warned = 0;
	bp_flb_calls[1]++;
	bp_flb->ops->unpreserve(&args);
	bp_in_release = 0;
	/* A warned release that cleared every pointer leaves nothing dangling; else the table was
	 * freed under whoever still points into it. */
	if (bp_release_warned)
		bp_event(pointed && !bp_any_outgoing() ? BP_EV_RELEASE_CLEARED : BP_EV_TABLE_FREED, -1,
			 bp_release_nr, NULL);
	bp_out_obj = NULL;
	bp_out_data = 0;
}

/* ---- the table, as the harness reads it ---- */

/* The running kernel's outgoing table (NULL while its session has none), or the incoming one it
 * inherited (NULL when the previous kernel serialized none; after the end of the update, the
 * freed copy .finish left). */
static struct pci_ser *bp_ser(int incoming)
{
	u64 pa = incoming ? (bp_in_active ? bp_in_data : 0) : bp_out_data;

	return pa ? bp_peek(phys_to_virt(pa)) : NULL;
}

/* Slot i of the table (NULL past its end). */
static struct pci_dev_ser *bp_slot_at(struct pci_ser *ser, unsigned i)
{
#if defined(BP_TABLE_FIXED)
	return i < ser->max_nr_devices ? &ser->devices[i] : NULL;
#else
	u64 pa = ser->devices;

	while (pa) {
		struct kho_block_header_ser *h = bp_peek(phys_to_virt(pa));

		if (i < h->count)
			return (struct pci_dev_ser *)(h + 1) + i;
		i -= (unsigned)h->count;
		pa = h->next;
	}
	return NULL;
#endif
}

/* ---- the machine's API, for kernel-check ---- */

BP_API void bp_set_crash_hook(void (*hook)(const char *what)) { bp_crash_hook = hook; }

static struct liveupdate_file_handler bp_file_handler = { NULL, "bridgepath-vfio" };

/* The tree: parent index (-1 on a root bus), and per device its address and, for a bridge, the
 * bus behind it. Returns 0, or -errno when pci_liveupdate_register_flb() fails. */
BP_API int bp_setup(int n, const int *parent, const int *bridge, const int *vf,
		    const unsigned *domain, const unsigned *bus, const unsigned *devfn,
		    const unsigned *secondary, unsigned long mem_limit)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = bp_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (mem_limit)
		bp_mem_limit = mem_limit;
	bp_n = n;
	bp_devs = calloc((size_t)n + 1, sizeof(*bp_devs));
	bp_buses = calloc(2 * (size_t)n + 1, sizeof(*bp_buses));
	bp_fail = calloc((size_t)n + 1, 1);
	bp_gone = calloc((size_t)n + 1, 1);
	bp_vanish = calloc((size_t)n + 1, 1);
	bp_file_out = calloc((size_t)n + 1, 1);
	bp_file_in = calloc((size_t)n + 1, 1);
	if (!bp_devs || !bp_buses || !bp_fail || !bp_gone || !bp_vanish || !bp_file_out ||
	    !bp_file_in)
		return -ENOMEM;
	for (int i = 0; i < 2 * n; i++)
		INIT_LIST_HEAD(&bp_buses[i].devices);
	for (int i = 0; i < n; i++) {
		struct pci_bus *sub = &bp_buses[n + i];

		bp_devs[i].devfn = devfn[i];
		bp_devs[i].is_virtfn = vf[i] ? 1 : 0;
		snprintf(bp_devs[i].bp_name, sizeof(bp_devs[i].bp_name), "%04x:%02x:%02x.%u",
			 domain[i], bus[i], PCI_SLOT(devfn[i]), PCI_FUNC(devfn[i]));
		if (bridge[i]) {
			sub->self = &bp_devs[i];
			sub->number = (unsigned char)secondary[i];
			sub->domain_nr = (int)domain[i];
			bp_devs[i].subordinate = sub;
		}
	}
	for (int i = 0; i < n; i++) {
		struct pci_bus *b;

		if (parent[i] >= 0) {
			b = bp_devs[parent[i]].subordinate;
		} else {
			b = &bp_buses[i];
			b->self = NULL;
			b->number = (unsigned char)bus[i];
			b->domain_nr = (int)domain[i];
		}
		bp_devs[i].bus = b;
		list_add_tail(&bp_devs[i].bus_list, &b->devices);
	}
	bp_in_kernel = 1;
	if (setjmp(bp_death))
		return -EFAULT;
	{
		int err = BP_FN_REGISTER_FLB(&bp_file_handler);

		bp_in_kernel = 0;
		if (err)
			return err;
	}
	return bp_flb ? 0 : -ENOENT;
}

static int bp_has_dev(int d) { return d >= 0 && d < bp_n && !bp_gone[d]; }

/* Marks d and its subtree. */
static void bp_mark_subtree(unsigned char *marks, int d, unsigned char value)
{
	for (int i = 0; i < bp_n; i++) {
		struct pci_dev *up = &bp_devs[i];

		while (up && up != &bp_devs[d])
			up = up->bus->self;
		if (up)
			marks[i] = value;
	}
}

static void bp_kexec(void)
{
	/*
	 * LUO serializes the outgoing FLB only, and only if a file is preserved in the running
	 * kernel's session: its data and its count cross. The incoming side this kernel inherited
	 * is dropped as it is, finished or not: no .finish, and the KHO memory it restored from the
	 * previous generation is not preserved again.
	 */
	bp_in_active = bp_out_count > 0;
	bp_in_data = bp_in_active ? bp_out_data : 0;
	bp_in_files = bp_out_count;
	bp_in_count = 0;
	bp_in_obj = NULL;
	bp_in_retrieved = 0;
	bp_in_finished = 0;
	for (int i = 0; i < bp_n; i++) {
		bp_file_in[i] = bp_file_out[i];
		bp_file_out[i] = 0;
	}
	bp_out_count = 0;
	bp_out_obj = NULL;
	bp_out_data = 0;
	/* Only KHO memory this kernel preserved and did not free survives (a stale access to any
	 * other block, the previous generation's among them, is a use-after-free). */
	for (size_t i = 0; i < bp_nblocks; i++)
		if (!bp_blocks[i].freed &&
		    (bp_blocks[i].kind != 1 || bp_blocks[i].gen != bp_generation)) {
			bp_blocks[i].freed = 1;
			mprotect(bp_blocks[i].base, bp_blocks[i].len, PROT_NONE);
		}
	/* A new kernel: fresh struct pci_dev (no liveupdate state), then enumeration. */
	bp_generation++;
	for (int i = 0; i < bp_n; i++) {
		memset(&bp_devs[i].liveupdate, 0, sizeof(bp_devs[i].liveupdate));
		bp_devs[i].liveupdate.incoming_directly = bp_file_in[i] != 0;
		bp_devs[i].liveupdate_outgoing = NULL;
		bp_devs[i].liveupdate_incoming = NULL;
		bp_devs[i].liveupdate_inherit_buses = false;
		if (bp_vanish[i] && !bp_gone[i]) {
			bp_gone[i] = 2;
			list_del(&bp_devs[i].bus_list);
		}
	}
	bp_phase = 1;
#ifdef BP_FN_SETUP
	for (int i = 0; i < bp_n; i++)
		if (!bp_gone[i]) {
			bp_cur_dev = i;
			BP_FN_SETUP(&bp_devs[i]);
		}
#endif
}

static void bp_unplug(int d)
{
	/* children before their parent */
	for (int i = 0; i < bp_n; i++)
		if (i != d && bp_devs[i].bus->self == &bp_devs[d] && !bp_gone[i])
			bp_unplug(i);
	bp_cur_dev = d;
#ifdef BP_FN_CLEANUP
	BP_FN_CLEANUP(&bp_devs[d]);
#endif
#ifdef BP_CLEANUP_UNPRESERVES
	/* The PCI core unpreserved the removed device itself: its file leaves the session (after
	 * the whole subtree is gone, see bp_apply). */
	if (bp_file_out[d]) {
		bp_file_out[d] = 0;
		bp_out_count--;
	}
#endif
	list_del(&bp_devs[d].bus_list);
	bp_gone[d] = 1;
}

/* One operation (the trace grammar's kinds, in OpKind order). Returns 1 and sets *result where
 * the operation has a result the kernel API returns or the harness decides (preserve, freeze,
 * lose, set-refcount, unplug's -ENODEV and -ENOENT), 0 for the void ones. */
BP_API int bp_apply(int op, int d, int arg, int *result)
{
	volatile int has = 0;

	*result = 0;
	bp_close_freed();
	bp_step_seq++;
	bp_cur_dev = -1;
	if (bp_dead) {
		*result = -ENOENT;
		return 1;
	}
	bp_in_kernel = 1;
	if (setjmp(bp_death)) {
		bp_in_kernel = 0;
		bp_in_release = bp_in_finish_op = bp_in_retrieve = 0;
		bp_cur_dev = -1;
		return has;
	}
	switch (op) {
	case 0: /* preserve */
		has = 1;
		if (!bp_has_dev(d)) {
			/* no struct pci_dev: unplugged, or not enumerated after kexec */
			*result = -ENODEV;
		} else {
			/* the running kernel's own session, in every generation */
			int first = bp_out_count == 0, counted = !bp_file_out[d];

			if (first) {
				struct liveupdate_flb_op_args args = { 0 };
				int err;

				args.flb = bp_flb;
				bp_flb_calls[0]++;
				err = bp_flb->ops->preserve(&args);
				if (err) {
					*result = err;
					break;
				}
				bp_out_obj = args.obj;
				bp_out_data = args.data;
			}
			bp_out_count += counted;
			*result = BP_FN_PRESERVE(&bp_devs[d]);
			if (*result == 0) {
				bp_file_out[d] = 1;
			} else {
				bp_out_count -= counted;
				if (bp_out_count == 0)
					bp_flb_unpreserve();
			}
		}
		break;
	case 1: /* unpreserve */
		if (!bp_has_dev(d))
			break;
		BP_FN_UNPRESERVE(&bp_devs[d]);
		if (bp_file_out[d]) {
			bp_file_out[d] = 0;
			if (--bp_out_count == 0)
				bp_flb_unpreserve();
		}
		break;
	case 2: /* freeze */
		has = 1;
		if (!bp_has_dev(d)) {
			*result = -ENODEV;
		} else {
#ifdef BP_FN_FREEZE
			BP_FN_FREEZE(&bp_devs[d]);
#else
			*result = -EOPNOTSUPP;
#endif
		}
		break;
	case 3: /* kexec: from every phase */
		bp_kexec();
		break;
	case 4: /* finish */
		if (bp_phase == 2 || !bp_has_dev(d))
			break;
		/* The driver is done; LUO keeps the file's reference until the session ends. */
		BP_FN_FINISH(&bp_devs[d]);
		break;
	case 5: /* finish-all: the session ends, every file's reference is dropped */
		if (bp_phase != 1)
			break;
		bp_phase = 2;
		for (int i = 0; i < bp_n; i++)
			if (bp_file_in[i]) {
				bp_file_in[i] = 0;
				liveupdate_flb_put_incoming(bp_flb);
			}
		/* Still referenced after the files' puts: .finish never runs, even when every
		 * count is back to 0 (a device that never put the reference it took). */
		if (bp_in_active && !bp_in_finished) {
			struct pci_ser *ser = bp_peek(phys_to_virt(bp_in_data));

			bp_event(BP_EV_INCOMING_HELD, -1, ser->nr_devices, NULL);
		}
		break;
	case 6: /* fail-next: arg is the step kind */
		if (d >= 0 && d < bp_n)
			bp_fail[d] |= (unsigned char)(1u << arg);
		break;
	case 7:	  /* lose */
	case 8: { /* set-refcount */
		struct pci_dev_ser *s;

		has = 1;
		/* an unplugged device's slot is still in the table: it can be corrupted */
		if (d < 0 || d >= bp_n) {
			*result = -ENOENT;
			break;
		}
		/* the outgoing slot (or its freed copy) if the device holds one, else its incoming
		 * entry while the update is on */
		s = bp_dev_out(d);
		if (!s && bp_phase == 1)
			s = bp_dev_in(d);
		if (!s) {
			*result = -ENOENT;
			break;
		}
		bp_peek(s);
		if (op == 7)
			memset(s, 0, sizeof(*s));
		else
			s->refcount = (u16)arg;
		bp_close_freed();
		break;
	}
	case 9: /* vanish: not enumerated at the next kexec */
		has = 1;
		if (!bp_has_dev(d))
			*result = -ENODEV;
		else
			bp_mark_subtree(bp_vanish, d, 1);
		break;
	case 10: /* unplug */
		if (!bp_has_dev(d)) {
			has = 1;
			*result = -ENODEV;
		} else {
			long before = bp_out_count;

			bp_unplug(d);
			if (before && !bp_out_count)
				bp_flb_unpreserve();
		}
		break;
	}
	bp_in_kernel = 0;
	bp_cur_dev = -1;
	return has;
}

/* Gives back everything the machine and the code allocated (before kernel-check restores the
 * library's data to its state at load, for the next case in the same process). */
BP_API void bp_teardown(void)
{
	for (size_t i = 0; i < bp_nblocks; i++)
		munmap(bp_blocks[i].base, bp_blocks[i].len);
	free(bp_blocks);
	free(bp_devs);
	free(bp_buses);
	free(bp_fail);
	free(bp_gone);
	free(bp_vanish);
	free(bp_file_out);
	free(bp_file_in);
}

BP_API int bp_phase_now(void) { return bp_phase; }
BP_API int bp_generation_now(void) { return bp_generation; }
BP_API int bp_flb_call_count(int op) { return op >= 0 && op < 4 ? bp_flb_calls[op] : 0; }
BP_API int bp_is_dead(void) { return bp_dead; }

/* A table the code holds now (the outgoing one, or the incoming one if `incoming`): nr_devices
 * and up to max slots; returns the table's size. */
BP_API unsigned bp_table(int incoming, unsigned *nr_devices, unsigned *domain, unsigned *bdf,
			 unsigned *refcount, unsigned max)
{
	struct pci_ser *ser;
	unsigned i = 0;
	struct pci_dev_ser *s;

	ser = bp_ser(incoming);
	*nr_devices = 0;
	if (!ser) {
		bp_close_freed();
		return 0;
	}
	*nr_devices = ser->nr_devices;
	for (; (s = bp_slot_at(ser, i)) != NULL; i++)
		if (i < max) {
			domain[i] = s->domain;
			bdf[i] = s->bdf;
			refcount[i] = s->refcount;
		}
	bp_close_freed();
	return i;
}

/* Devices whose cached outgoing slot lies in freed memory, with that copy's refcount. */
BP_API unsigned bp_dangling(int *dev, unsigned *refcount, unsigned max)
{
	unsigned k = 0;

	for (int i = 0; i < bp_n && k < max; i++) {
		struct pci_dev_ser *s = bp_dev_out(i);

		if (s && bp_is_freed(s)) {
			bp_peek(s);
			dev[k] = i;
			refcount[k++] = s->refcount;
		}
	}
	bp_close_freed();
	return k;
}

BP_API int bp_event_count(void) { return bp_nevents; }
BP_API void bp_event_at(int i, int *kind, int *dev, unsigned *nr, const char **what)
{
	*kind = bp_events[i].kind;
	*dev = bp_events[i].dev;
	*nr = bp_events[i].nr_devices;
	*what = bp_events[i].what;
}
