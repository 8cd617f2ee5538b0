// SPDX-License-Identifier: GPL-2.0
/*
 * bridgepath test fixture, written for bridgepath from the facts of
 * DOMAIN.md and docs/kernel-check.md; this is not kernel source.
 *
 * Shape: the early PCI Live Update FLB, before the per-device step
 * functions. Every walk recurses to the device on the root bus first and
 * works its way back down, so the named device comes last. The walk steps
 * do not check much: a device that already has a slot just gains a
 * reference, a device without one is skipped with a warning when
 * unpreserved, and finishing goes straight through the incoming pointer.
 * The slot pointers live in pci_dev itself (liveupdate_outgoing and
 * liveupdate_incoming). Releasing the table warns once.
 */

#define pr_fmt(fmt) "PCI: liveupdate: " fmt

#include <linux/io.h>
#include <linux/iommu.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/pci.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pci.h>

#include "pci.h"

/* Taken by every change to the outgoing table. */
static DEFINE_MUTEX(pci_flb_outgoing_lock);

/* The incoming table and the index built over it at retrieve. */
struct pci_flb_incoming {
	struct pci_ser *ser;
	struct xarray xa;
};

static unsigned long pci_ser_xa_key(unsigned long domain, unsigned long bdf)
{
	return domain << 16 | bdf;
}

static int pci_flb_preserve(struct liveupdate_flb_op_args *args)
{
	struct pci_dev *dev = NULL;
	struct pci_ser *ser;
	u32 slots = 0;

	/* Room for the devices present now. */
	for_each_pci_dev(dev)
		slots++;

	ser = kho_alloc_preserve(struct_size_t(struct pci_ser, devices, slots));
	if (IS_ERR(ser))
		return PTR_ERR(ser);

	ser->max_nr_devices = slots;
	ser->nr_devices = 0;
	args->obj = ser;
	args->data = virt_to_phys(ser);
	return 0;
}

static void pci_flb_unpreserve(struct liveupdate_flb_op_args *args)
{
	struct pci_ser *ser = args->obj;

	/* Slots still counted here are leaked references. */
	WARN_ON_ONCE(ser->nr_devices);
	kho_unpreserve_free(ser);
}

static int pci_flb_retrieve(struct liveupdate_flb_op_args *args)
{
	struct pci_flb_incoming *in;
	u32 i;
	int err;

	in = kmalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		return -ENOMEM;

	in->ser = phys_to_virt(args->data);
	xa_init(&in->xa);

	for (i = 0; i < in->ser->max_nr_devices; i++) {
		struct pci_dev_ser *slot = &in->ser->devices[i];

		if (!slot->refcount)
			continue;

		/* A later slot naming the same device replaces an earlier one. */
		err = xa_err(xa_store(&in->xa, pci_ser_xa_key(slot->domain, slot->bdf),
				      slot, GFP_KERNEL));
		if (err) {
			xa_destroy(&in->xa);
			kfree(in);
			return err;
		}
	}

	args->obj = in;
	return 0;
}

static void pci_flb_finish(struct liveupdate_flb_op_args *args)
{
	struct pci_flb_incoming *in = args->obj;

	xa_destroy(&in->xa);
	kho_restore_free(in->ser);
	kfree(in);
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

static int pci_liveupdate_preserve_device(struct pci_ser *ser, struct pci_dev *dev)
{
	u32 k;

	/* Already in the table (a bridge shared with another path): one more reference. */
	if (dev->liveupdate_outgoing) {
		dev->liveupdate_outgoing->refcount++;
		return 0;
	}

	if (ser->nr_devices == ser->max_nr_devices)
		return -ENOSPC;

	/* Probe from nr_devices: the next free slot while nothing was unpreserved. */
	for (k = 0; k < ser->max_nr_devices; k++) {
		struct pci_dev_ser *slot = &ser->devices[(ser->nr_devices + k) % ser->max_nr_devices];

		if (slot->refcount)
			continue;

		slot->domain = pci_domain_nr(dev->bus);
		slot->bdf = pci_dev_id(dev);
		slot->refcount = 1;
		ser->nr_devices++;
		dev->liveupdate_outgoing = slot;
		return 0;
	}

	return -ENOSPC;
}

/* Drops one reference of @dev and of every bridge above it, the root-bus device first. */
static void pci_liveupdate_unpreserve_path(struct pci_ser *ser, struct pci_dev *dev)
{
	struct pci_dev *bridge = dev->bus->self;
	struct pci_dev_ser *slot;

	if (bridge)
		pci_liveupdate_unpreserve_path(ser, bridge);

	slot = dev->liveupdate_outgoing;
	if (!slot) {
		pci_warn(dev, "not preserved, nothing to unpreserve\n");
		return;
	}

	if (--slot->refcount)
		return;

	ser->nr_devices--;
	memset(slot, 0, sizeof(*slot));
	dev->liveupdate_outgoing = NULL;
}

/* Takes one reference of every bridge above @dev, then of @dev; undoes the bridges on failure. */
static int pci_liveupdate_preserve_path(struct pci_ser *ser, struct pci_dev *dev)
{
	struct pci_dev *bridge = dev->bus->self;
	int err;

	if (bridge) {
		err = pci_liveupdate_preserve_path(ser, bridge);
		if (err)
			return err;
	} else if (!pci_is_root_bus(dev->bus)) {
		return -EINVAL;
	}

	err = pci_liveupdate_preserve_device(ser, dev);
	if (err && bridge)
		pci_liveupdate_unpreserve_path(ser, bridge);
	return err;
}

int pci_liveupdate_preserve(struct pci_dev *dev)
{
	struct pci_ser *ser;
	int err;

	guard(mutex)(&pci_flb_outgoing_lock);

	err = liveupdate_flb_get_outgoing(&pci_liveupdate_flb, (void **)&ser);
	if (err)
		return err;
	if (!ser)
		return -ENOENT;

	if (dev->is_virtfn)
		return -EINVAL;
	if (!pci_device_group_immutable_singleton(dev))
		return -EINVAL;

	/* Preserved already, directly or as a bridge of another device. */
	if (dev->liveupdate_outgoing)
		return -EBUSY;

	return pci_liveupdate_preserve_path(ser, dev);
}
EXPORT_SYMBOL_GPL(pci_liveupdate_preserve);

void pci_liveupdate_unpreserve(struct pci_dev *dev)
{
	struct pci_ser *ser = NULL;

	guard(mutex)(&pci_flb_outgoing_lock);

	if (liveupdate_flb_get_outgoing(&pci_liveupdate_flb, (void **)&ser) || !ser) {
		pci_warn(dev, "no outgoing Live Update state\n");
		return;
	}

	pci_liveupdate_unpreserve_path(ser, dev);
}
EXPORT_SYMBOL_GPL(pci_liveupdate_unpreserve);

static struct xarray *pci_liveupdate_flb_get_incoming(void)
{
	struct pci_flb_incoming *in;
	int err;

	err = liveupdate_flb_get_incoming(&pci_liveupdate_flb, (void **)&in);
	if (err == -EOPNOTSUPP || err == -ENODATA || err == -ENOENT)
		return NULL;
	if (err) {
		WARN_ONCE(err, "cannot retrieve the incoming FLB\n");
		return NULL;
	}
	return &in->xa;
}

static void pci_liveupdate_flb_put_incoming(void)
{
	liveupdate_flb_put_incoming(&pci_liveupdate_flb);
}

void pci_liveupdate_setup_device(struct pci_dev *dev)
{
	struct pci_dev_ser *slot;
	struct xarray *xa;

	xa = pci_liveupdate_flb_get_incoming();
	if (!xa)
		return;

	dev->liveupdate_inherit_buses = true;

	slot = xa_load(xa, pci_ser_xa_key(pci_domain_nr(dev->bus), pci_dev_id(dev)));
	if (!slot || !slot->refcount) {
		pci_liveupdate_flb_put_incoming();
		return;
	}

	/* The reference taken above is kept until the device is finished. */
	dev->liveupdate_incoming = slot;
}

void pci_liveupdate_cleanup_device(struct pci_dev *dev)
{
	/* Hand back the reference setup took; the counts stay as they are. */
	if (dev->liveupdate_incoming)
		pci_liveupdate_flb_put_incoming();
}

/* One reference of every bridge above @dev, then of @dev, is finished. */
static void pci_liveupdate_finish_path(struct pci_dev *dev)
{
	struct pci_dev *bridge = dev->bus->self;

	if (bridge)
		pci_liveupdate_finish_path(bridge);

	if (--dev->liveupdate_incoming->refcount)
		return;

	dev->liveupdate_incoming = NULL;
}

void pci_liveupdate_finish(struct pci_dev *dev)
{
	if (!dev->liveupdate_incoming) {
		pci_warn(dev, "not an incoming preserved device\n");
		return;
	}

	pci_liveupdate_finish_path(dev);
	pci_liveupdate_flb_put_incoming();
}
EXPORT_SYMBOL_GPL(pci_liveupdate_finish);

int pci_liveupdate_register_flb(struct liveupdate_file_handler *fh)
{
	return liveupdate_register_flb(fh, &pci_liveupdate_flb);
}
EXPORT_SYMBOL_GPL(pci_liveupdate_register_flb);

void pci_liveupdate_unregister_flb(struct liveupdate_file_handler *fh)
{
	liveupdate_unregister_flb(fh, &pci_liveupdate_flb);
}
EXPORT_SYMBOL_GPL(pci_liveupdate_unregister_flb);
