/*
 * bridgepath_shim.c: the harness side of kernel-check, compiled in the same translation unit as
 * the extracted kernel functions (written for bridgepath; no kernel source in it). It builds the
 * struct pci_dev tree, owns the tables, plays the kexec (serialize, index by key, mark devices
 * incoming) and injects the faults: fail-next through the wrapped device-step functions, lose by
 * zeroing a device's slot. BP_ENTRY_PRESERVE / _UNPRESERVE / _FINISH name the entry points.
 */
#include <stdlib.h>

#define BP_API __attribute__((visibility("default")))

static struct pci_dev *bp_devs;
static struct pci_bus *bp_buses; /* one per device: the bus it sits on (roots) or its bridge's */
static unsigned char *bp_fail;   /* per device: bit 0 preserve, 1 unpreserve, 2 finish */
static int bp_n;
static int bp_incoming_phase;
static struct pci_ser *bp_out, *bp_in;
static unsigned bp_warns, bp_bugs;

void bp_note_warn(const char *file, int line) { (void)file; (void)line; bp_warns++; }
void bp_note_bug(const char *file, int line) { (void)file; (void)line; bp_bugs++; }

struct pci_ser *pci_liveupdate_outgoing_ser(void)
{
	return bp_incoming_phase ? ERR_PTR(-ENOENT) : bp_out;
}

struct pci_ser *pci_liveupdate_incoming_ser(void)
{
	return bp_incoming_phase ? bp_in : ERR_PTR(-ENOENT);
}

static int bp_take_fail(struct pci_dev *dev, int kind)
{
	int i = (int)(dev - bp_devs);

	if (i < 0 || i >= bp_n || !(bp_fail[i] & (1u << kind)))
		return 0;
	bp_fail[i] &= (unsigned char)~(1u << kind);
	return 1;
}

static size_t bp_ser_bytes(unsigned slots)
{
	return sizeof(struct pci_ser) + (size_t)slots * sizeof(struct pci_dev_ser);
}

static unsigned bp_size_of(const struct pci_ser *ser)
{
#ifndef BRIDGEPATH_ABI_V7
	return ser->max_nr_devices;
#else
	return ser->nr_slots;
#endif
}

/* The tree: parent index (-1 on a root bus), and per device its address and, for a bridge, the
 * bus behind it. capacity: v6 max_nr_devices (v7: the block the table may grow into). */
BP_API int bp_setup(int n, const int *parent, const int *bridge, const int *vf,
		    const unsigned *domain, const unsigned *bus, const unsigned *devfn,
		    const unsigned *secondary, unsigned capacity)
{
	free(bp_devs);
	free(bp_buses);
	free(bp_fail);
	free(bp_out);
	free(bp_in);
	bp_n = n;
	bp_devs = calloc((size_t)n + 1, sizeof(*bp_devs));
	bp_buses = calloc(2 * (size_t)n + 1, sizeof(*bp_buses));
	bp_fail = calloc((size_t)n + 1, 1);
	bp_out = calloc(1, bp_ser_bytes(capacity));
	bp_in = NULL;
	bp_incoming_phase = 0;
	bp_warns = bp_bugs = 0;
	if (!bp_devs || !bp_buses || !bp_fail || !bp_out)
		return -ENOMEM;
#ifndef BRIDGEPATH_ABI_V7
	bp_out->max_nr_devices = capacity;
#else
	bp_out->version = 7;
	bp_out->max_slots = capacity;
#endif
	for (int i = 0; i < n; i++) {
		struct pci_bus *sub = &bp_buses[n + i];
		bp_devs[i].devfn = devfn[i];
		bp_devs[i].is_virtfn = vf[i] ? 1 : 0;
		if (bridge[i]) {
			sub->self = &bp_devs[i];
			sub->number = (u8)secondary[i];
			sub->domain_nr = (int)domain[i];
			bp_devs[i].subordinate = sub;
		}
	}
	for (int i = 0; i < n; i++) {
		if (parent[i] >= 0) {
			bp_devs[i].bus = bp_devs[parent[i]].subordinate;
		} else {
			bp_buses[i].self = NULL;
			bp_buses[i].number = (u8)bus[i];
			bp_buses[i].domain_nr = (int)domain[i];
			bp_devs[i].bus = &bp_buses[i];
		}
	}
	return 0;
}

BP_API int bp_preserve(int d) { return BP_ENTRY_PRESERVE(&bp_devs[d]); }
BP_API void bp_unpreserve(int d) { BP_ENTRY_UNPRESERVE(&bp_devs[d]); }
BP_API void bp_finish(int d) { BP_ENTRY_FINISH(&bp_devs[d]); }
BP_API void bp_fail_next(int d, int kind) { bp_fail[d] |= (unsigned char)(1u << kind); }

/* Zeroes d's slot (outgoing: its cached one; incoming: its incoming one); -ENOENT if none. */
BP_API int bp_lose(int d)
{
	struct pci_dev_ser *s = bp_incoming_phase ? bp_devs[d].liveupdate.incoming
						  : bp_devs[d].liveupdate.ser;
	if (!s)
		return -ENOENT;
	memset(s, 0, sizeof(*s));
	return 0;
}

/* The kexec: the outgoing table is handed over as it is; the incoming kernel indexes slots with
 * refcount != 0 by domain << 16 | bdf (a duplicate: -EEXIST, nothing incoming) and marks each
 * device whose key it finds. */
BP_API int bp_kexec(void)
{
	unsigned size = bp_size_of(bp_out);
	size_t bytes = bp_ser_bytes(size);

	if (bp_incoming_phase)
		return -ENOENT;
	bp_in = malloc(bytes);
	if (!bp_in)
		return -ENOMEM;
	memcpy(bp_in, bp_out, bytes);
#ifdef BRIDGEPATH_ABI_V7
	bp_in->max_slots = size;
#endif
	bp_incoming_phase = 1;
	for (int i = 0; i < bp_n; i++) {
		bp_devs[i].liveupdate.ser = NULL;
		bp_devs[i].liveupdate.incoming = NULL;
	}
	for (unsigned a = 0; a < size; a++)
		for (unsigned b = a + 1; b < size; b++)
			if (bp_in->devices[a].refcount && bp_in->devices[b].refcount &&
			    bp_in->devices[a].domain == bp_in->devices[b].domain &&
			    bp_in->devices[a].bdf == bp_in->devices[b].bdf)
				return -EEXIST;
	for (unsigned a = 0; a < size; a++) {
		struct pci_dev_ser *s = &bp_in->devices[a];
		if (!s->refcount)
			continue;
		for (int i = 0; i < bp_n; i++)
			if ((u32)pci_domain_nr(bp_devs[i].bus) == s->domain && pci_dev_id(&bp_devs[i]) == s->bdf)
				bp_devs[i].liveupdate.incoming = s;
	}
	return 0;
}

BP_API int bp_phase(void) { return bp_incoming_phase; }
BP_API unsigned bp_nr_devices(void) { return (bp_incoming_phase ? bp_in : bp_out)->nr_devices; }
BP_API unsigned bp_table_size(void) { return bp_size_of(bp_incoming_phase ? bp_in : bp_out); }
BP_API void bp_slot(unsigned i, unsigned *domain, unsigned *bdf, unsigned *refcount)
{
	const struct pci_dev_ser *s = &(bp_incoming_phase ? bp_in : bp_out)->devices[i];
	*domain = s->domain;
	*bdf = s->bdf;
	*refcount = s->refcount;
}
BP_API unsigned bp_bug_count(void) { return bp_bugs; }
