/*
 * bridgepath_stub.h: just enough of the kernel to compile the PCI Live Update walk functions of
 * drivers/pci/liveupdate.c in user space (written for bridgepath; no kernel source in it).
 *
 * What it provides, as the v6 posting and the review describe them:
 * - struct pci_dev with bus->self, subordinate, devfn, is_virtfn and the `liveupdate` fields
 *   (`ser`: the device's cached outgoing slot; `incoming`: its incoming slot);
 * - the KHO ABI structs: struct pci_dev_ser { u32 domain; u16 bdf; u16 refcount; } and struct
 *   pci_ser (v6: a fixed array of max_nr_devices slots; v7, BRIDGEPATH_ABI_V7: a growable table,
 *   here one block of max_slots slots of which nr_slots are in use);
 * - the table getters pci_liveupdate_outgoing_ser() / pci_liveupdate_incoming_ser()
 *   (ERR_PTR(-ENOENT) in the wrong phase), implemented by the harness;
 * - logging, WARN/BUG, guard() and lockdep macros, ERR_PTR, pci_domain_nr, pci_dev_id.
 */
#ifndef BRIDGEPATH_STUB_H
#define BRIDGEPATH_STUB_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define __packed __attribute__((packed))
#define __maybe_unused __attribute__((unused))
#define __init
#define __exit
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What the kernel would log: counted by the harness, the text is dropped. */
void bp_note_warn(const char *file, int line);
void bp_note_bug(const char *file, int line);
#define WARN_ON(c) ({ int __bp_c = !!(c); if (__bp_c) bp_note_warn(__FILE__, __LINE__); __bp_c; })
#define WARN_ON_ONCE(c) WARN_ON(c)
#define WARN(c, ...) WARN_ON(c)
#define WARN_ONCE(c, ...) WARN_ON(c)
#define BUG_ON(c) do { if (c) bp_note_bug(__FILE__, __LINE__); } while (0)
#define BUG() bp_note_bug(__FILE__, __LINE__)
#define bp_discard(...) do { } while (0)
#define pci_warn(dev, ...) bp_discard(dev)
#define pci_err(dev, ...) bp_discard(dev)
#define pci_info(dev, ...) bp_discard(dev)
#define pci_dbg(dev, ...) bp_discard(dev)
#define pci_WARN_ONCE(dev, c, ...) WARN_ON(c)
#define pci_WARN(dev, c, ...) WARN_ON(c)
#define dev_warn(dev, ...) bp_discard(dev)
#define dev_err(dev, ...) bp_discard(dev)
#define dev_info(dev, ...) bp_discard(dev)
#define pr_warn(...) bp_discard(0)
#define pr_err(...) bp_discard(0)
#define pr_info(...) bp_discard(0)
#define pr_debug(...) bp_discard(0)
#define pr_fmt(fmt) fmt

/* One caller at a time in the harness: the locks only have to compile. */
struct rw_semaphore { int unused; };
struct mutex { int unused; };
#define DECLARE_RWSEM(name) struct rw_semaphore name
#define DEFINE_MUTEX(name) struct mutex name
#define down_write(s) ((void)(s))
#define up_write(s) ((void)(s))
#define down_read(s) ((void)(s))
#define up_read(s) ((void)(s))
#define mutex_lock(m) ((void)(m))
#define mutex_unlock(m) ((void)(m))
#define lockdep_assert_held(x) ((void)(x))
#define lockdep_assert_held_write(x) ((void)(x))
#define guard(type) bp_guard_
#define bp_guard_(lock) (void)(lock)
#define scoped_guard(type, lock) for (int __bp_once = ((void)(lock), 1); __bp_once; __bp_once = 0)

#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR(ptr); }

struct pci_dev_ser {
	u32 domain;
	u16 bdf;
	u16 refcount;
} __packed;

#ifndef BRIDGEPATH_ABI_V7
struct pci_ser {
	u32 max_nr_devices;
	u32 nr_devices;
	struct pci_dev_ser devices[];
} __packed;
#else
struct pci_ser {
	u32 version;
	u32 nr_devices;
	u32 nr_slots;  /* slots handed out so far: the table's current size */
	u32 max_slots; /* the block the harness allocated; the table grows into it */
	struct pci_dev_ser devices[];
} __packed;
#endif

struct pci_dev;

struct pci_bus {
	struct pci_dev *self; /* the bridge above this bus; NULL on a root bus */
	u8 number;
	int domain_nr;
};

struct pci_dev_liveupdate {
	struct pci_dev_ser *ser;      /* outgoing: this device's slot, cached */
	struct pci_dev_ser *incoming; /* incoming: this device's slot in the incoming table */
};

struct pci_dev {
	struct pci_bus *bus;
	struct pci_bus *subordinate; /* the bus behind a bridge; NULL for an endpoint */
	unsigned int devfn;
	unsigned int is_virtfn : 1;
	struct pci_dev_liveupdate liveupdate;
};

#define PCI_DEVID(bus, devfn) ((u16)((((u16)(bus)) << 8) | (devfn)))
static inline int pci_domain_nr(struct pci_bus *bus) { return bus->domain_nr; }
static inline u16 pci_dev_id(struct pci_dev *dev) { return PCI_DEVID(dev->bus->number, dev->devfn); }
static inline bool pci_is_bridge(struct pci_dev *dev) { return dev->subordinate != NULL; }

/* The tables, owned by the harness (the outgoing one after kexec and the incoming one before it
 * are ERR_PTR(-ENOENT)). */
struct pci_ser *pci_liveupdate_outgoing_ser(void);
struct pci_ser *pci_liveupdate_incoming_ser(void);

#endif /* BRIDGEPATH_STUB_H */
