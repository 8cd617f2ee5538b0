/*
 * bridgepath_kernel.h: a user-space emulation of the kernel API that drivers/pci/liveupdate.c
 * uses, so that a real file compiles and runs unmodified (written for bridgepath; no kernel
 * source in it). Every <linux/...> header the file includes resolves to this one.
 *
 * Each piece behaves as the kernel's does, where the harness can observe it:
 * - LUO's File-Lifecycle-Bound objects: liveupdate_register_flb, liveupdate_flb_get_outgoing /
 *   _get_incoming / _put_incoming / _put_outgoing; the counts and the moments of .preserve,
 *   .unpreserve, .retrieve and .finish are the harness's (bridgepath_harness.c), as LUO keeps them;
 * - KHO memory (kho_alloc_preserve, kho_unpreserve_free, kho_restore_free), kmalloc/kzalloc,
 *   kmalloc_obj/kzalloc_obj, kfree: page-granular, never reused; freed memory is made
 *   inaccessible, so a later access through a stale pointer is seen (use-after-free), and at
 *   kexec every allocation that was not KHO-preserved is gone;
 * - BUG_ON/BUG and panic() end the kernel (the harness records the event and stops calling it);
 *   WARN_ON and friends are recorded with their place;
 * - rw_semaphore and mutex with guard()/scoped_guard(): taking one that is already held is a
 *   deadlock, reported as such;
 * - __free(kfree) and no_free_ptr(); struct_size_t(); an xarray; a KHO block set with its
 *   iterator (small blocks, so that growth past one block is exercised);
 * - struct pci_dev / pci_bus with the liveupdate fields of every version, for_each_pci_dev,
 *   for_each_pci_bridge, PCI_BUS_NUM/PCI_SLOT/PCI_FUNC, pci_name.
 * The ABI structs (struct pci_ser, struct pci_dev_ser) come from the tree's own
 * include/linux/kho/abi/pci.h, or from bridgepath_abi.h for the detected version.
 */
#ifndef BRIDGEPATH_KERNEL_H
#define BRIDGEPATH_KERNEL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* <linux/errno.h> values the kernel has and libc lacks */
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef uint64_t __le64;
typedef u64 phys_addr_t;
typedef unsigned int gfp_t;
typedef long long loff_t_bp;

#define GFP_KERNEL 0u
#define GFP_ATOMIC 1u
#define __GFP_ZERO 0x100u

/* compiler.h, module.h, init.h */
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __maybe_unused __attribute__((unused))
#define __always_unused __attribute__((unused))
#define __must_check __attribute__((warn_unused_result))
#define __init
#define __exit
#define __initdata
#define __ro_after_init
#define noinline __attribute__((noinline))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define barrier() __asm__ __volatile__("" ::: "memory")
#define smp_load_acquire(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define smp_store_release(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)
#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#define __UNIQUE_ID(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define BIT(n) (1ul << (n))
#ifndef static_assert
#define static_assert(expr, ...) _Static_assert(expr, #expr)
#endif
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)

struct module {
	int unused;
};
#define THIS_MODULE ((struct module *)0)
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define EXPORT_SYMBOL_NS_GPL(x, ns)
#define MODULE_LICENSE(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_AUTHOR(x)
#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME "liveupdate"
#endif
#ifndef KBUILD_BASENAME
#define KBUILD_BASENAME "liveupdate"
#endif
#define late_initcall(fn) static int (*__bp_initcall_##fn)(void) __maybe_unused = fn
#define subsys_initcall(fn) late_initcall(fn)
#define core_initcall(fn) late_initcall(fn)
#define device_initcall(fn) late_initcall(fn)
#define module_init(fn) late_initcall(fn)
#define module_exit(fn) static void (*__bp_exitcall_##fn)(void) __maybe_unused = fn

/* err.h */
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR(ptr); }
static inline int PTR_ERR_OR_ZERO(const void *ptr) { return IS_ERR(ptr) ? (int)PTR_ERR(ptr) : 0; }
#define ERR_CAST(p) ((void *)(p))

/* What the kernel logs and how it dies: the harness records each (file, line, kind). */
void bp_note_warn(const char *file, int line);
__attribute__((noreturn)) void bp_note_bug(const char *file, int line);
__attribute__((noreturn, format(printf, 3, 4))) void bp_note_panic(const char *file, int line,
								     const char *fmt, ...);
void bp_note_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define WARN_ON(c) ({ int __bp_c = !!(c); if (unlikely(__bp_c)) bp_note_warn(__FILE__, __LINE__); unlikely(__bp_c); })
/* The running kernel's generation (kexecs so far): a _ONCE warning fires once per kernel, as
 * a new kernel starts with its static once-flags clear. */
int bp_generation_now(void);
#define WARN_ON_ONCE(c) ({ static int __bp_once = -1; int __bp_c = !!(c); \
	if (unlikely(__bp_c) && __bp_once != bp_generation_now()) { \
		__bp_once = bp_generation_now(); bp_note_warn(__FILE__, __LINE__); } \
	unlikely(__bp_c); })
#define WARN(c, ...) WARN_ON(c)
#define WARN_ONCE(c, ...) WARN_ON_ONCE(c)
#define BUG_ON(c) do { if (unlikely(c)) bp_note_bug(__FILE__, __LINE__); } while (0)
#define BUG() bp_note_bug(__FILE__, __LINE__)
#define panic(...) bp_note_panic(__FILE__, __LINE__, __VA_ARGS__)

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define printk(...) bp_note_log(6, __VA_ARGS__)
#define pr_emerg(fmt, ...) bp_note_log(0, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...) bp_note_log(1, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...) bp_note_log(2, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) bp_note_log(3, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) bp_note_log(4, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...) bp_note_log(5, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) bp_note_log(6, pr_fmt(fmt), ##__VA_ARGS__)
#define pr_debug(fmt, ...) do { if (0) bp_note_log(7, pr_fmt(fmt), ##__VA_ARGS__); } while (0)
#define pr_warn_once pr_warn
#define pr_info_once pr_info
#define pr_err_once pr_err
#define pr_warn_ratelimited pr_warn
#define pr_err_ratelimited pr_err

/* cleanup.h: __free(), no_free_ptr(), guard(), scoped_guard() as the kernel builds them */
#define __cleanup(func) __attribute__((__cleanup__(func)))
#define DEFINE_FREE(_name, _type, _free) \
	static inline void __free_##_name(void *p) { _type _T = *(_type *)p; _free; }
#define __free(_name) __cleanup(__free_##_name)
#define no_free_ptr(p) ({ __auto_type __ptr = (p); (void)((p) = NULL); __ptr; })
#define return_ptr(p) return no_free_ptr(p)
#define DEFINE_CLASS(_name, _type, _exit, _init, _init_args...)                     \
	typedef _type class_##_name##_t;                                           \
	static inline void class_##_name##_destructor(_type *p) { _type _T = *p; _exit; } \
	static inline _type class_##_name##_constructor(_init_args) { _type t = _init; return t; }
#define CLASS(_name, var) \
	class_##_name##_t var __cleanup(class_##_name##_destructor) = class_##_name##_constructor
#define DEFINE_GUARD(_name, _type, _lock, _unlock) \
	DEFINE_CLASS(_name, _type, if (_T) { _unlock; }, ({ _lock; _T; }), _type _T)
#define guard(_name) CLASS(_name, __UNIQUE_ID(guard))
#define scoped_guard(_name, args...)                                               \
	for (CLASS(_name, scope)(args), *__bp_done = NULL; !__bp_done;             \
	     __bp_done = (void *)1)

/* Locks: one caller at a time in the harness, so a lock already held is a deadlock. */
struct rw_semaphore {
	int readers;
	int writer;
	const char *name;
};
struct mutex {
	int held;
	const char *name;
};
typedef struct {
	int held;
} spinlock_t;
void bp_deadlock(const char *what, const char *name);
#define __RWSEM_INITIALIZER(lockname) { 0, 0, #lockname }
#define DECLARE_RWSEM(lockname) struct rw_semaphore lockname = __RWSEM_INITIALIZER(lockname)
#define init_rwsem(s) do { (s)->readers = 0; (s)->writer = 0; (s)->name = #s; } while (0)
static inline void down_write(struct rw_semaphore *s)
{
	if (s->writer || s->readers)
		bp_deadlock("down_write", s->name);
	s->writer = 1;
}
static inline void up_write(struct rw_semaphore *s) { s->writer = 0; }
static inline void down_read(struct rw_semaphore *s)
{
	if (s->writer)
		bp_deadlock("down_read", s->name);
	s->readers++;
}
static inline void up_read(struct rw_semaphore *s) { s->readers--; }
#define __MUTEX_INITIALIZER(lockname) { 0, #lockname }
#define DEFINE_MUTEX(lockname) struct mutex lockname = __MUTEX_INITIALIZER(lockname)
#define mutex_init(m) do { (m)->held = 0; (m)->name = #m; } while (0)
static inline void mutex_lock(struct mutex *m)
{
	if (m->held)
		bp_deadlock("mutex_lock", m->name);
	m->held = 1;
}
static inline void mutex_unlock(struct mutex *m) { m->held = 0; }
#define DEFINE_SPINLOCK(x) spinlock_t x = { 0 }
#define spin_lock(l) ((void)(l))
#define spin_unlock(l) ((void)(l))
#define lockdep_assert_held(x) ((void)(x))
#define lockdep_assert_held_write(x) ((void)(x))
#define lockdep_assert_held_read(x) ((void)(x))
DEFINE_GUARD(rwsem_write, struct rw_semaphore *, down_write(_T), up_write(_T))
DEFINE_GUARD(rwsem_read, struct rw_semaphore *, down_read(_T), up_read(_T))
DEFINE_GUARD(mutex, struct mutex *, mutex_lock(_T), mutex_unlock(_T))
DEFINE_GUARD(spinlock, spinlock_t *, spin_lock(_T), spin_unlock(_T))

/* Memory. */
void *bp_alloc(size_t size, int kind); /* 0: zeroed, 1: KHO preserved (zeroed), 2: kmalloc */
void bp_free(const void *p, int kind, const char *what);
/* kmalloc gives memory that is not cleared: filled with a poison byte, so a field the code
 * forgets to set is not silently 0. */
#define kmalloc(size, gfp) bp_alloc((size), 2)
#define kzalloc(size, gfp) bp_alloc((size), 0)
#define kcalloc(n, size, gfp) bp_alloc((size_t)(n) * (size), 0)
#define kmalloc_array(n, size, gfp) bp_alloc((size_t)(n) * (size), 2)
#define kvmalloc(size, gfp) bp_alloc((size), 2)
#define kvzalloc(size, gfp) bp_alloc((size), 0)
#define kmalloc_obj(VAR_OR_TYPE, ...) ((__typeof__(VAR_OR_TYPE) *)bp_alloc(sizeof(VAR_OR_TYPE), 2))
#define kzalloc_obj(VAR_OR_TYPE, ...) ((__typeof__(VAR_OR_TYPE) *)bp_alloc(sizeof(VAR_OR_TYPE), 0))
static inline void kfree(const void *p) { bp_free(p, 0, "kfree"); }
static inline void kvfree(const void *p) { bp_free(p, 0, "kvfree"); }
DEFINE_FREE(kfree, void *, if (!IS_ERR_OR_NULL(_T)) kfree(_T))
#define struct_size_t(type, member, count) \
	(sizeof(type) + sizeof(((type *)0)->member[0]) * (size_t)(count))
#define struct_size(p, member, count) \
	(sizeof(*(p)) + sizeof((p)->member[0]) * (size_t)(count))
#define flex_array_size(p, member, count) (sizeof((p)->member[0]) * (size_t)(count))
#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
static inline phys_addr_t virt_to_phys(const volatile void *p) { return (phys_addr_t)(uintptr_t)p; }
static inline void *phys_to_virt(phys_addr_t pa) { return (void *)(uintptr_t)pa; }
#define __pa(p) virt_to_phys(p)
#define __va(pa) phys_to_virt(pa)

/* kexec_handover.h: preserved memory survives the kexec. */
static inline void *kho_alloc_preserve(size_t size)
{
	void *p = bp_alloc(size, 1);
	return p ? p : ERR_PTR(-ENOMEM);
}
static inline void kho_unpreserve_free(void *p) { bp_free(p, 1, "kho_unpreserve_free"); }
static inline void kho_restore_free(void *p) { bp_free(p, 1, "kho_restore_free"); }
static inline bool kho_is_enabled(void) { return true; }

/* list.h */
struct list_head {
	struct list_head *next, *prev;
};
#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l; l->prev = l; }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}
static inline void list_add(struct list_head *n, struct list_head *h)
{
	n->next = h->next;
	n->prev = h;
	h->next->prev = n;
	h->next = n;
}
static inline void list_del(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = NULL;
}
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_next_entry(pos, member) list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_for_each_entry(pos, head, member)                                     \
	for (pos = list_first_entry(head, __typeof__(*pos), member); &pos->member != (head); \
	     pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)                             \
	for (pos = list_first_entry(head, __typeof__(*pos), member),               \
	    n = list_next_entry(pos, member);                                       \
	     &pos->member != (head); pos = n, n = list_next_entry(n, member))

/* xarray.h: an index from unsigned long to entries, sorted. */
struct xarray {
	unsigned long *index;
	void **entry;
	unsigned long n, cap;
};
#define XA_PRESENT 0u
void xa_init(struct xarray *xa);
int xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
void *xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
/* The errno an xarray call returned as an entry (0 for a real entry or NULL). */
static inline int xa_err(void *entry) { return IS_ERR(entry) ? (int)PTR_ERR(entry) : 0; }
void *xa_load(struct xarray *xa, unsigned long index);
void *xa_erase(struct xarray *xa, unsigned long index);
bool xa_empty(const struct xarray *xa);
void xa_destroy(struct xarray *xa);
void *xa_find(struct xarray *xa, unsigned long *index, unsigned long max, unsigned int filter);
void *xa_find_after(struct xarray *xa, unsigned long *index, unsigned long max,
		    unsigned int filter);
#define xa_for_each(xa, index, entry)                                              \
	for (index = 0, entry = xa_find(xa, &index, ~0ul, XA_PRESENT); entry;      \
	     entry = xa_find_after(xa, &index, ~0ul, XA_PRESENT))

/* kho/abi/block.h and kho_block.h: entries of one size in a chain of preserved blocks. */
#define KHO_BLOCK_SIZE 64u /* small on purpose: a few devices already need a second block */
struct kho_block_header_ser {
	u64 next;  /* physical address of the next block's header, 0 at the end */
	u64 count; /* entries in use in this block */
} __packed;
struct kho_block {
	struct list_head list;
	struct kho_block_header_ser *ser;
};
struct kho_block_set {
	struct list_head blocks;
	long nblocks;
	u64 head_pa;
	size_t entry_size;
	u64 count_per_block;
	bool incoming;
};
struct kho_block_set_it {
	struct kho_block_set *bs;
	struct kho_block *block;
	u64 i;
};
#define KHO_BLOCK_SET_INIT(_name, _entry_size) {                                    \
	.blocks = LIST_HEAD_INIT((_name).blocks), .entry_size = _entry_size,        \
	.count_per_block = (KHO_BLOCK_SIZE - sizeof(struct kho_block_header_ser)) / (_entry_size), \
}
void kho_block_set_init(struct kho_block_set *bs, size_t entry_size);
int kho_block_set_grow(struct kho_block_set *bs, u64 count);
void kho_block_set_shrink(struct kho_block_set *bs, u64 count);
int kho_block_set_restore(struct kho_block_set *bs, u64 head_pa);
void kho_block_set_destroy(struct kho_block_set *bs);
void kho_block_set_clear(struct kho_block_set *bs);
static inline u64 kho_block_set_head_pa(struct kho_block_set *bs) { return bs->head_pa; }
static inline bool kho_block_set_is_empty(struct kho_block_set *bs) { return list_empty(&bs->blocks); }
void kho_block_set_it_init(struct kho_block_set_it *it, struct kho_block_set *bs);
void *kho_block_set_it_reserve_entry(struct kho_block_set_it *it);
void *kho_block_set_it_read_entry(struct kho_block_set_it *it);
void *kho_block_set_it_prev(struct kho_block_set_it *it);

/* liveupdate.h: LUO's FLB API. */
struct liveupdate_flb;
struct liveupdate_flb_op_args {
	struct liveupdate_flb *flb;
	u64 data;
	void *obj;
};
struct liveupdate_flb_ops {
	int (*preserve)(struct liveupdate_flb_op_args *args);
	void (*unpreserve)(struct liveupdate_flb_op_args *args);
	int (*retrieve)(struct liveupdate_flb_op_args *args);
	void (*finish)(struct liveupdate_flb_op_args *args);
	struct module *owner;
};
struct liveupdate_flb {
	const struct liveupdate_flb_ops *ops;
	const char *compatible;
};
struct liveupdate_file_handler {
	const void *ops;
	const char *compatible;
};
bool liveupdate_enabled(void);
int liveupdate_register_flb(struct liveupdate_file_handler *fh, struct liveupdate_flb *flb);
int liveupdate_unregister_flb(struct liveupdate_file_handler *fh, struct liveupdate_flb *flb);
int liveupdate_flb_get_incoming(struct liveupdate_flb *flb, void **objp);
int liveupdate_flb_get_outgoing(struct liveupdate_flb *flb, void **objp);
void liveupdate_flb_put_incoming(struct liveupdate_flb *flb);
void liveupdate_flb_put_outgoing(struct liveupdate_flb *flb);

/* pci.h */
struct pci_dev_ser;
struct pci_liveupdate {
	struct pci_dev_ser *outgoing;
	struct pci_dev_ser *incoming;
	bool inherit_buses;
	bool frozen;
	u16 acs_ctrl;
	bool was_preserved;
	bool was_incoming;
	/* bridgepath's proposed record of direct preservation (docs/findings.md), no kernel's:
	 * preserved_directly is the file's own; incoming_directly is set at enumeration for a
	 * device whose LUO file crossed the kexec */
	bool preserved_directly;
	bool incoming_directly;
};
struct pci_dev;
struct pci_bus {
	struct pci_dev *self; /* the bridge above this bus; NULL on a root bus */
	struct list_head devices;
	unsigned char number;
	int domain_nr;
};
struct device {
	const char *init_name;
};
struct pci_dev {
	struct list_head bus_list;
	struct pci_bus *bus;
	struct pci_bus *subordinate; /* the bus behind a bridge; NULL for an endpoint */
	unsigned int devfn;
	unsigned short vendor, device;
	unsigned int is_virtfn : 1;
	unsigned int ari_enabled : 1;
	u16 acs_cap;
	u16 pcie_cap;
	struct device dev;
	struct pci_liveupdate liveupdate;
	/* the early file's fields, before they moved into struct pci_liveupdate */
	struct pci_dev_ser *liveupdate_outgoing;
	struct pci_dev_ser *liveupdate_incoming;
	bool liveupdate_inherit_buses;
	char bp_name[16];
};
#define PCI_ANY_ID (~0)
#define PCI_DEVID(bus, devfn) ((u16)((((u16)(bus)) << 8) | (devfn)))
#define PCI_BUS_NUM(x) (((x) >> 8) & 0xff)
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn) & 0x07)
#define PCI_DEVFN(slot, func) ((((slot) & 0x1f) << 3) | ((func) & 0x07))
#define PCI_ACS_CTRL 0x06
#define PCI_EXP_DEVCTL2 0x28
#define PCI_EXP_DEVCTL2_ARI 0x0020
static inline int pci_domain_nr(struct pci_bus *bus) { return bus->domain_nr; }
static inline u16 pci_dev_id(struct pci_dev *dev) { return PCI_DEVID(dev->bus->number, dev->devfn); }
static inline bool pci_is_bridge(struct pci_dev *dev) { return dev->subordinate != NULL; }
static inline bool pci_is_root_bus(struct pci_bus *bus) { return !bus->self; }
static inline const char *pci_name(const struct pci_dev *dev) { return dev->bp_name; }
/* linux/iommu.h: every device of the harness's machine is alone in an immutable IOMMU group. */
static inline bool pci_device_group_immutable_singleton(struct pci_dev *dev) { (void)dev; return true; }
struct pci_dev *bp_pci_next_dev(struct pci_dev *from);
#define for_each_pci_dev(d) while ((d = bp_pci_next_dev(d)) != NULL)
#define for_each_pci_bridge(dev, bus)                                              \
	list_for_each_entry(dev, &(bus)->devices, bus_list)                        \
		if (!pci_is_bridge(dev)) {} else
static inline int pci_need_dev_specific_enable_acs(struct pci_dev *dev) { (void)dev; return 0; }
static inline int pci_read_config_word(struct pci_dev *dev, int where, u16 *val)
{ (void)dev; (void)where; *val = 0; return 0; }
static inline int pci_write_config_word(struct pci_dev *dev, int where, u16 val)
{ (void)dev; (void)where; (void)val; return 0; }
static inline int pcie_capability_read_word(struct pci_dev *dev, int pos, u16 *val)
{ (void)dev; (void)pos; *val = 0; return 0; }
static inline int pcie_capability_set_word(struct pci_dev *dev, int pos, u16 set)
{ (void)dev; (void)pos; (void)set; return 0; }
static inline int pcie_capability_clear_word(struct pci_dev *dev, int pos, u16 clear)
{ (void)dev; (void)pos; (void)clear; return 0; }
#define pci_printk(level, dev, fmt, ...) bp_note_log(level, "%s: " pr_fmt(fmt), pci_name(dev), ##__VA_ARGS__)
#define pci_emerg(dev, fmt, ...) pci_printk(0, dev, fmt, ##__VA_ARGS__)
#define pci_err(dev, fmt, ...) pci_printk(3, dev, fmt, ##__VA_ARGS__)
#define pci_warn(dev, fmt, ...) pci_printk(4, dev, fmt, ##__VA_ARGS__)
#define pci_notice(dev, fmt, ...) pci_printk(5, dev, fmt, ##__VA_ARGS__)
#define pci_info(dev, fmt, ...) pci_printk(6, dev, fmt, ##__VA_ARGS__)
#define pci_dbg(dev, fmt, ...) do { if (0) pci_printk(7, dev, fmt, ##__VA_ARGS__); } while (0)
#define pci_warn_once pci_warn
#define pci_info_once pci_info
#define pci_WARN(dev, c, fmt, ...) WARN_ON(c)
#define pci_WARN_ONCE(dev, c, fmt, ...) WARN_ON(c)
#define dev_warn(dev, fmt, ...) bp_note_log(4, fmt, ##__VA_ARGS__)
#define dev_err(dev, fmt, ...) bp_note_log(3, fmt, ##__VA_ARGS__)
#define dev_info(dev, fmt, ...) bp_note_log(6, fmt, ##__VA_ARGS__)
#define dev_dbg(dev, fmt, ...) do { } while (0)

/* linux/pci.h (pci_liveupdate.h in some versions): the public Live Update API. */
int pci_liveupdate_register_flb(struct liveupdate_file_handler *fh);
void pci_liveupdate_unregister_flb(struct liveupdate_file_handler *fh);
int pci_liveupdate_preserve(struct pci_dev *dev);
void pci_liveupdate_unpreserve(struct pci_dev *dev);
void pci_liveupdate_finish(struct pci_dev *dev);
bool pci_liveupdate_is_incoming(struct pci_dev *dev);

/* The one-argument path walk of drivers/pci/liveupdate.h in later kernels. */
#ifndef BP_NO_PATH_MACRO
#define bp_for_each_pci_dev_in_path_1(dev) for (; (dev); (dev) = (dev)->bus->self)
#endif

#endif /* BRIDGEPATH_KERNEL_H */
