// SPDX-License-Identifier: GPL-2.0
/*
 * bridgepath test fixture, written for bridgepath from the facts of
 * DOMAIN.md; this is not kernel source.
 *
 * Shape: the latest PCI Live Update FLB. The outgoing table is a KHO block
 * set of struct pci_dev_ser entries that grows on demand, and struct pci_ser
 * only records its version, the number of preserved devices and where the
 * block set starts. Preserving a device also preserves each bridge above it;
 * a bridge carries one reference per preserved device below it. The incoming
 * table is indexed by (domain, bdf) in an xarray, and a broken hand-over is
 * fatal. Each path walk stops at the first step that fails, and a failed
 * preserve rolls back the devices it already preserved.
 */

#define pr_fmt(fmt) "PCI: liveupdate: " fmt

#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/pci.h>
#include <linux/kho_block.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "liveupdate.h"

struct pci_liveupdate_global {
	/* Serialises every change to the outgoing and incoming tables. */
	struct rw_semaphore rwsem;
	/* The previous kernel handed over at least one preserved device. */
	bool had_incoming;
};

static struct pci_liveupdate_global pci_liveupdate = {
	.rwsem = __RWSEM_INITIALIZER(pci_liveupdate.rwsem),
};

/* What this kernel hands over to the next one. */
struct pci_flb_outgoing {
	struct pci_ser *ser;
	struct kho_block_set block_set;
};

/* What this kernel rebuilt from the previous kernel's hand-over. */
struct pci_flb_incoming {
	struct pci_ser *ser;
	struct xarray xa;
	struct kho_block_set block_set;
};

static unsigned long pci_ser_xa_key(u32 domain, u16 bdf)
{
	return (unsigned long)domain << 16 | bdf;
}

static int pci_flb_preserve(struct liveupdate_flb_op_args *args)
{
	struct pci_flb_outgoing *outgoing __free(kfree) = kzalloc_obj(*outgoing);
	struct pci_ser *ser;

	if (!outgoing)
		return -ENOMEM;

	ser = kho_alloc_preserve(sizeof(*ser));
	if (IS_ERR(ser))
		return PTR_ERR(ser);

	ser->version = PCI_LUO_FLB_VERSION;
	ser->nr_devices = 0;
	/* No block yet: the first preserved device allocates one. */
	ser->devices = 0;

	outgoing->ser = ser;
	kho_block_set_init(&outgoing->block_set, sizeof(struct pci_dev_ser));

	args->obj = no_free_ptr(outgoing);
	args->data = virt_to_phys(ser);
	return 0;
}

static void pci_flb_unpreserve(struct liveupdate_flb_op_args *args)
{
	struct pci_flb_outgoing *outgoing = args->obj;

	/* Devices still preserved lose their slots along with the table. */
	WARN_ON(outgoing->ser->nr_devices);

	kho_block_set_destroy(&outgoing->block_set);
	kho_unpreserve_free(outgoing->ser);
	kfree(outgoing);
}

static int pci_flb_retrieve(struct liveupdate_flb_op_args *args)
{
	struct pci_ser *ser = phys_to_virt(args->data);
	struct pci_flb_incoming *incoming;
	struct kho_block_set_it it;
	struct pci_dev_ser *dev_ser;
	unsigned long key;
	int ret;

	if (ser->version != PCI_LUO_FLB_VERSION)
		panic("PCI: liveupdate: unknown preserved state version %u\n", ser->version);

	incoming = kzalloc_obj(*incoming);
	if (!incoming)
		panic("PCI: liveupdate: no memory for the incoming state\n");

	incoming->ser = ser;
	xa_init(&incoming->xa);
	kho_block_set_init(&incoming->block_set, sizeof(struct pci_dev_ser));

	ret = kho_block_set_restore(&incoming->block_set, ser->devices);
	if (ret)
		panic("PCI: liveupdate: cannot restore the device table: %d\n", ret);

	kho_block_set_it_init(&it, &incoming->block_set);
	while ((dev_ser = kho_block_set_it_read_entry(&it))) {
		if (!dev_ser->refcount)
			continue;

		key = pci_ser_xa_key(dev_ser->domain, dev_ser->bdf);
		ret = xa_insert(&incoming->xa, key, dev_ser, GFP_KERNEL);
		if (ret)
			panic("PCI: liveupdate: cannot index %04x:%02x:%02x.%d: %d\n",
			      dev_ser->domain, PCI_BUS_NUM(dev_ser->bdf),
			      PCI_SLOT(dev_ser->bdf), PCI_FUNC(dev_ser->bdf), ret);
	}

	if (!xa_empty(&incoming->xa))
		pci_liveupdate.had_incoming = true;

	args->obj = incoming;
	return 0;
}

/* A device the previous kernel preserved must not be left unfinished. */
static void pci_check_all_devices_finished(struct pci_flb_incoming *incoming)
{
	u32 nr = incoming->ser->nr_devices;
	struct pci_dev_ser *dev_ser;
	unsigned long index;

	if (!nr)
		return;

	xa_for_each(&incoming->xa, index, dev_ser) {
		if (!dev_ser->refcount)
			continue;

		pr_emerg("%04x:%02x:%02x.%d still has %u user(s)\n",
			 dev_ser->domain, PCI_BUS_NUM(dev_ser->bdf),
			 PCI_SLOT(dev_ser->bdf), PCI_FUNC(dev_ser->bdf),
			 dev_ser->refcount);
	}

	panic("%u preserved device(s) were never finished!\n", nr);
}

static void pci_flb_finish(struct liveupdate_flb_op_args *args)
{
	struct pci_flb_incoming *incoming = args->obj;

	pci_check_all_devices_finished(incoming);

	xa_destroy(&incoming->xa);
	kho_block_set_destroy(&incoming->block_set);
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

static struct pci_flb_outgoing *pci_liveupdate_flb_get_outgoing(void)
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

static void pci_liveupdate_flb_put_outgoing(void)
{
	liveupdate_flb_put_outgoing(&pci_liveupdate_flb);
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
		panic("PCI: liveupdate: cannot get the incoming state: %d\n", ret);
	}
}

static void pci_liveupdate_flb_put_incoming(void)
{
	liveupdate_flb_put_incoming(&pci_liveupdate_flb);
}

/* Reuse a released slot, or grow the block set by one entry. */
static struct pci_dev_ser *pci_flb_alloc_dev_ser(struct pci_flb_outgoing *outgoing)
{
	struct kho_block_set_it it;
	struct pci_dev_ser *dev_ser;
	unsigned int count = 0;
	int ret;

	kho_block_set_it_init(&it, &outgoing->block_set);
	while ((dev_ser = kho_block_set_it_read_entry(&it))) {
		if (!dev_ser->refcount)
			return dev_ser;
		count++;
	}

	ret = kho_block_set_grow(&outgoing->block_set, count + 1);
	if (ret)
		return ERR_PTR(ret);

	/* The iterator was set up on an empty set; point it at the new block. */
	if (!count)
		kho_block_set_it_init(&it, &outgoing->block_set);

	dev_ser = kho_block_set_it_reserve_entry(&it);
	if (WARN_ON_ONCE(!dev_ser))
		return ERR_PTR(-ENOSPC);

	return dev_ser;
}

static int pci_liveupdate_preserve_device(struct pci_flb_outgoing *outgoing,
					  struct pci_dev *dev)
{
	struct pci_dev_ser *dev_ser = dev->liveupdate.outgoing;

	if (dev->is_virtfn) {
		pci_warn(dev, "cannot preserve a virtual function\n");
		return -EINVAL;
	}

	if (dev_ser) {
		/* Only a bridge can be shared by several preserved devices. */
		if (!dev->subordinate)
			return -EBUSY;

		if (!dev_ser->refcount) {
			pci_WARN(dev, true, "outgoing slot has no references\n");
			return -EINVAL;
		}
	} else {
		dev_ser = pci_flb_alloc_dev_ser(outgoing);
		if (IS_ERR(dev_ser))
			return PTR_ERR(dev_ser);

		outgoing->ser->nr_devices++;
		/* Growing may have added the first block: republish the head. */
		outgoing->ser->devices = kho_block_set_head_pa(&outgoing->block_set);

		dev_ser->domain = pci_domain_nr(dev->bus);
		dev_ser->bdf = pci_dev_id(dev);
		dev->liveupdate.outgoing = dev_ser;
	}

	dev_ser->refcount++;
	return 0;
}

static int pci_liveupdate_unpreserve_device(struct pci_flb_outgoing *outgoing,
					    struct pci_dev *dev)
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

	outgoing->ser->nr_devices--;
	memset(dev_ser, 0, sizeof(*dev_ser));
	dev->liveupdate.outgoing = NULL;
	return 0;
}

/*
 * Drop one reference from @dev and each bridge above it, stopping before @end
 * (NULL: the whole path) or at the first device that cannot be unpreserved.
 */
static void pci_liveupdate_unpreserve_path(struct pci_flb_outgoing *outgoing,
					   struct pci_dev *dev, struct pci_dev *end)
{
	for_each_pci_dev_in_path(dev) {
		if (dev == end)
			break;
		if (pci_liveupdate_unpreserve_device(outgoing, dev))
			return;
	}
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
	struct pci_flb_outgoing *outgoing;
	struct pci_dev *start = dev;
	int ret = -ENODEV;

	guard(rwsem_write)(&pci_liveupdate.rwsem);

	outgoing = pci_liveupdate_flb_get_outgoing();
	if (IS_ERR(outgoing))
		return PTR_ERR(outgoing);

	for_each_pci_dev_in_path(dev) {
		ret = pci_liveupdate_preserve_device(outgoing, dev);
		if (ret) {
			pci_liveupdate_unpreserve_path(outgoing, start, dev);
			break;
		}
	}

	pci_liveupdate_flb_put_outgoing();
	return ret;
}
EXPORT_SYMBOL_GPL(pci_liveupdate_preserve);

/**
 * pci_liveupdate_unpreserve() - undo pci_liveupdate_preserve()
 * @dev: the device that was preserved
 */
void pci_liveupdate_unpreserve(struct pci_dev *dev)
{
	struct pci_flb_outgoing *outgoing;

	guard(rwsem_write)(&pci_liveupdate.rwsem);

	outgoing = pci_liveupdate_flb_get_outgoing();
	if (IS_ERR(outgoing)) {
		pci_warn(dev, "cannot unpreserve without outgoing state: %ld\n",
			 PTR_ERR(outgoing));
		return;
	}

	pci_liveupdate_unpreserve_path(outgoing, dev, NULL);
	pci_liveupdate_flb_put_outgoing();
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

	guard(rwsem_write)(&pci_liveupdate.rwsem);

	incoming = pci_liveupdate_flb_get_incoming();
	if (!incoming) {
		pci_warn(dev, "cannot finish without incoming state\n");
		return;
	}

	for_each_pci_dev_in_path(dev) {
		if (pci_liveupdate_finish_device(incoming->ser, dev))
			break;
	}

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
	if (dev_ser && dev_ser->refcount) {
		dev->liveupdate.incoming = dev_ser;
		dev->liveupdate.was_incoming = true;
		pci_info(dev, "preserved by the previous kernel (%u users)\n",
			 dev_ser->refcount);
	}

	/* The device keeps no reference of its own on the incoming state. */
	pci_liveupdate_flb_put_incoming();
}

/* Called by the PCI core when @dev goes away; it should hold no state by now. */
void pci_liveupdate_cleanup_device(struct pci_dev *dev)
{
	if (READ_ONCE(dev->liveupdate.outgoing))
		pci_WARN(dev, true, "removed while preserved for Live Update\n");

	if (READ_ONCE(dev->liveupdate.incoming))
		pci_WARN(dev, true, "removed before its Live Update finished\n");
}
