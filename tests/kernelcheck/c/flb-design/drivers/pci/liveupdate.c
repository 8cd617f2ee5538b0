// SPDX-License-Identifier: GPL-2.0
/*
 * bridgepath test fixture, written for bridgepath from the facts of
 * DOMAIN.md; this is not kernel source.
 *
 * Shape: the v6 PCI Live Update FLB with bridgepath's best design
 * (continue/checked/warn-clear-and-free/held-forever, docs/findings.md). The
 * outgoing table is one fixed-size struct pci_ser sized for every PCI device
 * present when the FLB is preserved. Preserving a device also preserves each
 * bridge above it; a bridge carries one reference per preserved device below
 * it. The incoming table is indexed by (domain, bdf) in an xarray. The
 * changes from the v6 shape:
 * - a path walk down goes on past a step that fails, so only the failing
 *   device keeps a count it should not;
 * - each device records whether it was preserved directly (and, in the next
 *   kernel, whether its file crossed), so a misused unpreserve, finish or
 *   second preserve is refused before it walks;
 * - releasing the table with counts still held warns and clears every
 *   device's pointer first, so nothing points into freed memory.
 */

#define pr_fmt(fmt) "PCI: liveupdate: " fmt

#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/pci.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pci.h>

#include "liveupdate.h"

struct pci_liveupdate_global {
	/* Serialises every change to the outgoing and incoming tables. */
	struct rw_semaphore rwsem;
};

static struct pci_liveupdate_global pci_liveupdate = {
	.rwsem = __RWSEM_INITIALIZER(pci_liveupdate.rwsem),
};

/* What the next kernel builds from the table handed over by the previous one. */
struct pci_flb_incoming {
	struct pci_ser *ser;
	struct xarray xa;
};

/* Visit @_start, its upstream bridge, and so on, stopping before @_end. */
#define for_each_pci_dev_in_path(_d, _start, _end) \
	for ((_d) = (_start); (_d) != (_end); (_d) = (_d)->bus->self)

static unsigned long pci_ser_xa_key(u32 domain, u16 bdf)
{
	return (unsigned long)domain << 16 | bdf;
}

static int pci_flb_preserve(struct liveupdate_flb_op_args *args)
{
	struct pci_dev *dev = NULL;
	struct pci_ser *ser;
	u32 nr = 0;
	size_t size;

	/* One slot per device present now; devices added later cannot be preserved. */
	for_each_pci_dev(dev)
		nr++;

	size = struct_size_t(struct pci_ser, devices, nr);
	ser = kho_alloc_preserve(size);
	if (IS_ERR(ser))
		return PTR_ERR(ser);

	ser->max_nr_devices = nr;
	ser->nr_devices = 0;

	pr_debug("table of %u slots preserved\n", nr);

	args->obj = ser;
	args->data = virt_to_phys(ser);
	return 0;
}

static void pci_flb_unpreserve(struct liveupdate_flb_op_args *args)
{
	struct pci_ser *ser = args->obj;
	struct pci_dev *dev = NULL;

	/*
	 * Nothing is preserved any more, so no count is needed. A count left
	 * behind by a failed step must not leave a pointer into freed memory.
	 */
	if (WARN_ON(ser->nr_devices)) {
		for_each_pci_dev(dev)
			dev->liveupdate.outgoing = NULL;
	}
	kho_unpreserve_free(ser);
}

static int pci_flb_retrieve(struct liveupdate_flb_op_args *args)
{
	struct pci_ser *ser = phys_to_virt(args->data);
	struct pci_flb_incoming *incoming;
	struct pci_dev_ser *dev_ser;
	unsigned long key;
	u32 i;
	int ret;

	incoming = kmalloc_obj(*incoming);
	if (!incoming) {
		kho_restore_free(ser);
		return -ENOMEM;
	}

	incoming->ser = ser;
	xa_init(&incoming->xa);

	for (i = 0; i < ser->max_nr_devices; i++) {
		dev_ser = &ser->devices[i];
		if (!dev_ser->refcount)
			continue;

		key = pci_ser_xa_key(dev_ser->domain, dev_ser->bdf);
		ret = xa_insert(&incoming->xa, key, dev_ser, GFP_KERNEL);
		if (ret) {
			xa_destroy(&incoming->xa);
			kfree(incoming);
			kho_restore_free(ser);
			return ret;
		}
	}

	args->obj = incoming;
	return 0;
}

static void pci_flb_finish(struct liveupdate_flb_op_args *args)
{
	struct pci_flb_incoming *incoming = args->obj;

	xa_destroy(&incoming->xa);
	kho_restore_free(incoming->ser);
	kfree(incoming);
}

static struct liveupdate_flb_ops pci_liveupdate_flb_ops = {
	.preserve = pci_flb_preserve,
	.unpreserve = pci_flb_unpreserve,
	.retrieve = pci_flb_retrieve,
	.finish = pci_flb_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_flb pci_liveupdate_flb = {
	.ops = &pci_liveupdate_flb_ops,
	.compatible = PCI_LUO_FLB_COMPATIBLE,
};

static struct pci_ser *pci_liveupdate_flb_get_outgoing(void)
{
	void *obj = NULL;
	int ret;

	ret = liveupdate_flb_get_outgoing(&pci_liveupdate_flb, &obj);
	if (ret)
		return ERR_PTR(ret);

	/* No Live Update session is preserving anything. */
	if (!obj)
		return ERR_PTR(-ENOENT);

	return obj;
}

/* The incoming state, or NULL when the previous kernel handed none over. */
static struct pci_flb_incoming *pci_liveupdate_flb_get_incoming(void)
{
	void *obj = NULL;
	int ret;

	ret = liveupdate_flb_get_incoming(&pci_liveupdate_flb, &obj);
	switch (ret) {
	case 0:
		return obj;
	case -EOPNOTSUPP:
	case -ENODATA:
	case -ENOENT:
		return NULL;
	default:
		WARN_ONCE(1, "PCI: liveupdate: cannot get the incoming state: %d\n", ret);
		return NULL;
	}
}

static void pci_liveupdate_flb_put_incoming(void)
{
	liveupdate_flb_put_incoming(&pci_liveupdate_flb);
}

static int pci_liveupdate_preserve_device(struct pci_ser *ser, struct pci_dev *dev)
{
	struct pci_dev_ser *dev_ser = dev->liveupdate.outgoing;
	u32 i;

	if (dev_ser) {
		if (!dev_ser->refcount) {
			pci_WARN(dev, true, "outgoing slot has no references\n");
			return -EINVAL;
		}

		/* Only a bridge can be shared by several preserved devices. */
		if (!dev->subordinate)
			return -EBUSY;

		dev_ser->refcount++;
		return 0;
	}

	if (ser->nr_devices == ser->max_nr_devices)
		return -ENOSPC;

	for (i = 0; i < ser->max_nr_devices; i++) {
		dev_ser = &ser->devices[(ser->nr_devices + i) % ser->max_nr_devices];
		if (dev_ser->refcount)
			continue;

		dev_ser->domain = pci_domain_nr(dev->bus);
		dev_ser->bdf = pci_dev_id(dev);
		dev_ser->refcount = 1;
		ser->nr_devices++;
		dev->liveupdate.outgoing = dev_ser;
		return 0;
	}

	return -ENOSPC;
}

static int pci_liveupdate_unpreserve_device(struct pci_ser *ser, struct pci_dev *dev)
{
	struct pci_dev_ser *dev_ser = dev->liveupdate.outgoing;

	if (!dev_ser) {
		pci_warn(dev, "cannot unpreserve, device is not preserved\n");
		return -EINVAL;
	}

	if (!dev_ser->refcount) {
		pci_WARN(dev, true, "outgoing slot has no references\n");
		return -EINVAL;
	}

	if (--dev_ser->refcount)
		return 0;

	ser->nr_devices--;
	memset(dev_ser, 0, sizeof(*dev_ser));
	dev->liveupdate.outgoing = NULL;
	return 0;
}

/*
 * Drop one reference from every device between @start and @end (excluded).
 * A device that cannot be unpreserved keeps its own count; the bridges above
 * it are still released.
 */
static void __pci_liveupdate_unpreserve_path(struct pci_ser *ser, struct pci_dev *start,
					     struct pci_dev *end)
{
	struct pci_dev *dev;

	for_each_pci_dev_in_path(dev, start, end)
		pci_liveupdate_unpreserve_device(ser, dev);
}

/**
 * pci_liveupdate_preserve() - preserve a device across a Live Update
 * @dev: the device to preserve
 *
 * Record @dev and every bridge upstream of it in the outgoing table. If any
 * device on the path cannot be preserved, the ones already recorded are
 * released again.
 *
 * Return: 0 on success, -errno otherwise.
 */
int pci_liveupdate_preserve(struct pci_dev *dev)
{
	struct pci_dev *pdev;
	struct pci_ser *ser;
	int ret;

	if (dev->is_virtfn) {
		pci_warn(dev, "cannot preserve a virtual function\n");
		return -EINVAL;
	}

	guard(rwsem_write)(&pci_liveupdate.rwsem);

	if (dev->liveupdate.preserved_directly)
		return -EBUSY;

	ser = pci_liveupdate_flb_get_outgoing();
	if (IS_ERR(ser))
		return PTR_ERR(ser);

	for_each_pci_dev_in_path(pdev, dev, NULL) {
		ret = pci_liveupdate_preserve_device(ser, pdev);
		if (ret) {
			__pci_liveupdate_unpreserve_path(ser, dev, pdev);
			return ret;
		}
	}

	dev->liveupdate.preserved_directly = true;
	return 0;
}
EXPORT_SYMBOL_GPL(pci_liveupdate_preserve);

/**
 * pci_liveupdate_unpreserve() - undo pci_liveupdate_preserve()
 * @dev: the device that was preserved
 */
void pci_liveupdate_unpreserve(struct pci_dev *dev)
{
	struct pci_ser *ser;

	guard(rwsem_write)(&pci_liveupdate.rwsem);

	ser = pci_liveupdate_flb_get_outgoing();
	if (IS_ERR(ser)) {
		pci_warn(dev, "cannot unpreserve without outgoing state: %ld\n", PTR_ERR(ser));
		return;
	}

	if (!dev->liveupdate.preserved_directly) {
		pci_warn(dev, "cannot unpreserve, device was not preserved\n");
		return;
	}

	dev->liveupdate.preserved_directly = false;
	__pci_liveupdate_unpreserve_path(ser, dev, NULL);
}
EXPORT_SYMBOL_GPL(pci_liveupdate_unpreserve);

static int pci_liveupdate_finish_device(struct pci_ser *ser, struct pci_dev *dev)
{
	struct pci_dev_ser *dev_ser = dev->liveupdate.incoming;

	if (!dev_ser) {
		pci_warn(dev, "cannot finish, device was not preserved\n");
		return -EINVAL;
	}

	if (!dev_ser->refcount) {
		pci_WARN(dev, true, "incoming slot has no references\n");
		return -EINVAL;
	}

	if (--dev_ser->refcount)
		return 0;

	dev->liveupdate.incoming = NULL;
	ser->nr_devices--;

	/* Drop the reference pci_liveupdate_setup_device() kept for this device. */
	pci_liveupdate_flb_put_incoming();
	return 0;
}

/**
 * pci_liveupdate_finish() - release a device handed over by the previous kernel
 * @dev: the incoming device
 *
 * Drop one incoming reference from @dev and from every bridge above it.
 */
void pci_liveupdate_finish(struct pci_dev *dev)
{
	struct pci_flb_incoming *incoming;
	struct pci_dev *pdev;

	guard(rwsem_write)(&pci_liveupdate.rwsem);

	incoming = pci_liveupdate_flb_get_incoming();
	if (!incoming) {
		pci_warn(dev, "cannot finish without incoming state\n");
		return;
	}

	if (!dev->liveupdate.incoming_directly) {
		pci_warn(dev, "cannot finish, device was not preserved by the previous kernel\n");
		pci_liveupdate_flb_put_incoming();
		return;
	}

	dev->liveupdate.incoming_directly = false;
	for_each_pci_dev_in_path(pdev, dev, NULL)
		pci_liveupdate_finish_device(incoming->ser, pdev);

	pci_liveupdate_flb_put_incoming();
}
EXPORT_SYMBOL_GPL(pci_liveupdate_finish);

/**
 * pci_liveupdate_is_incoming() - was @dev preserved by the previous kernel?
 * @dev: the device to check
 *
 * Return: true while @dev still holds incoming state that is not finished.
 */
bool pci_liveupdate_is_incoming(struct pci_dev *dev)
{
	guard(rwsem_read)(&pci_liveupdate.rwsem);

	return dev->liveupdate.incoming != NULL;
}
EXPORT_SYMBOL_GPL(pci_liveupdate_is_incoming);

int pci_liveupdate_register_flb(struct liveupdate_file_handler *fh)
{
	guard(rwsem_write)(&pci_liveupdate.rwsem);

	return liveupdate_register_flb(fh, &pci_liveupdate_flb);
}
EXPORT_SYMBOL_GPL(pci_liveupdate_register_flb);

void pci_liveupdate_unregister_flb(struct liveupdate_file_handler *fh)
{
	guard(rwsem_write)(&pci_liveupdate.rwsem);

	liveupdate_unregister_flb(fh, &pci_liveupdate_flb);
}
EXPORT_SYMBOL_GPL(pci_liveupdate_unregister_flb);

/* Called by the PCI core when @dev is added: pick up its incoming state. */
void pci_liveupdate_setup_device(struct pci_dev *dev)
{
	struct pci_flb_incoming *incoming;
	struct pci_dev_ser *dev_ser;
	unsigned long key;

	guard(rwsem_write)(&pci_liveupdate.rwsem);

	incoming = pci_liveupdate_flb_get_incoming();
	if (!incoming)
		return;

	key = pci_ser_xa_key(pci_domain_nr(dev->bus), pci_dev_id(dev));
	dev_ser = xa_load(&incoming->xa, key);
	if (!dev_ser || !dev_ser->refcount) {
		pci_liveupdate_flb_put_incoming();
		return;
	}

	/*
	 * Keep the incoming reference: pci_liveupdate_finish_device() drops it
	 * once the last user of this device has finished.
	 */
	dev->liveupdate.incoming = dev_ser;
	pci_info(dev, "preserved by the previous kernel (%u users)\n", dev_ser->refcount);
}

/* Called by the PCI core when @dev goes away: release whatever it still holds. */
void pci_liveupdate_cleanup_device(struct pci_dev *dev)
{
	if (READ_ONCE(dev->liveupdate.preserved_directly)) {
		pci_WARN(dev, true, "removed while preserved for Live Update\n");
		pci_liveupdate_unpreserve(dev);
	}

	if (READ_ONCE(dev->liveupdate.incoming_directly)) {
		pci_WARN(dev, true, "removed before its Live Update finished\n");
		pci_liveupdate_finish(dev);
	}
}
