// bridgepath test fixture: PCI Live Update bridge-path preservation written in kernel style from
// the rules of DOMAIN.md (v6: fixed table, probe from nr_devices mod capacity, refcount 0 checked
// before EBUSY, bail on the first failing step). Written for bridgepath; not kernel source.
// kernel-check extracts the functions below by name, as it would from drivers/pci/liveupdate.c.

#include <linux/kho/abi/pci.h>
#include <linux/pci.h>
#include "pci.h"

static DECLARE_RWSEM(pci_liveupdate_rwsem);

#define for_each_pci_dev_in_path(_d, _start, _end) \
	for ((_d) = (_start); (_d) != (_end); (_d) = (_d)->bus->self)

/* A free slot, probing from nr_devices mod max_nr_devices; NULL when the table is full. */
static struct pci_dev_ser *pci_ser_alloc_slot(struct pci_ser *ser)
{
	u32 i, idx;

	if (ser->nr_devices == ser->max_nr_devices)
		return NULL;

	for (i = 0; i < ser->max_nr_devices; i++) {
		idx = (ser->nr_devices + i) % ser->max_nr_devices;
		if (!ser->devices[idx].refcount)
			return &ser->devices[idx];
	}

	return NULL;
}

/* @dev already has a slot: an endpoint is preserved once, a bridge counts one more user. */
static int pci_liveupdate_preserve_device_again(struct pci_dev *dev)
{
	struct pci_dev_ser *dev_ser = dev->liveupdate.ser;

	if (WARN_ON(!dev_ser->refcount))
		return -EINVAL;

	if (!pci_is_bridge(dev))
		return -EBUSY;

	dev_ser->refcount++;
	return 0;
}

static int pci_liveupdate_preserve_device(struct pci_ser *ser, struct pci_dev *dev)
{
	struct pci_dev_ser *dev_ser;

	if (dev->liveupdate.ser)
		return pci_liveupdate_preserve_device_again(dev);

	dev_ser = pci_ser_alloc_slot(ser);
	if (!dev_ser)
		return -ENOSPC;

	dev_ser->domain = pci_domain_nr(dev->bus);
	dev_ser->bdf = pci_dev_id(dev);
	dev_ser->refcount = 1;
	dev->liveupdate.ser = dev_ser;
	ser->nr_devices++;
	return 0;
}

static int pci_liveupdate_unpreserve_device(struct pci_ser *ser, struct pci_dev *dev)
{
	struct pci_dev_ser *dev_ser = dev->liveupdate.ser;

	if (!dev_ser) {
		pci_warn(dev, "Cannot unpreserve device that is not preserved\n");
		return -EINVAL;
	}

	if (WARN_ON(!dev_ser->refcount))
		return -EINVAL;

	if (--dev_ser->refcount)
		return 0;

	memset(dev_ser, 0, sizeof(*dev_ser));
	dev->liveupdate.ser = NULL;
	ser->nr_devices--;
	return 0;
}

static void __pci_liveupdate_unpreserve_path(struct pci_ser *ser, struct pci_dev *start,
					     struct pci_dev *end)
{
	struct pci_dev *dev;

	for_each_pci_dev_in_path(dev, start, end) {
		if (pci_liveupdate_unpreserve_device(ser, dev)) {
			pci_warn(dev, "Failed to unpreserve, leaking the devices above\n");
			return;
		}
	}
}

static void pci_liveupdate_unpreserve_path(struct pci_ser *ser, struct pci_dev *start)
{
	__pci_liveupdate_unpreserve_path(ser, start, /*end=*/NULL);
}

static int pci_liveupdate_preserve_path(struct pci_ser *ser, struct pci_dev *start)
{
	struct pci_dev *dev;
	int ret;

	for_each_pci_dev_in_path(dev, start, NULL) {
		ret = pci_liveupdate_preserve_device(ser, dev);
		if (ret) {
			__pci_liveupdate_unpreserve_path(ser, start, dev);
			return ret;
		}
	}

	return 0;
}

int pci_liveupdate_preserve(struct pci_dev *dev)
{
	struct pci_ser *ser;

	guard(rwsem_write)(&pci_liveupdate_rwsem);

	ser = pci_liveupdate_outgoing_ser();
	if (IS_ERR(ser))
		return PTR_ERR(ser);

	if (dev->is_virtfn)
		return -EINVAL;

	return pci_liveupdate_preserve_path(ser, dev);
}
EXPORT_SYMBOL_GPL(pci_liveupdate_preserve);

void pci_liveupdate_unpreserve(struct pci_dev *dev)
{
	struct pci_ser *ser;

	guard(rwsem_write)(&pci_liveupdate_rwsem);

	ser = pci_liveupdate_outgoing_ser();
	if (IS_ERR(ser))
		return;

	pci_liveupdate_unpreserve_path(ser, dev);
}
EXPORT_SYMBOL_GPL(pci_liveupdate_unpreserve);

static int pci_liveupdate_finish_device(struct pci_ser *ser, struct pci_dev *dev)
{
	struct pci_dev_ser *dev_ser = dev->liveupdate.incoming;

	if (!dev_ser)
		return -EINVAL;

	if (WARN_ON(!dev_ser->refcount))
		return -EINVAL;

	if (--dev_ser->refcount)
		return 0;

	dev->liveupdate.incoming = NULL;
	ser->nr_devices--;
	return 0;
}

static void pci_liveupdate_finish_path(struct pci_ser *ser, struct pci_dev *start)
{
	struct pci_dev *dev;

	for_each_pci_dev_in_path(dev, start, NULL) {
		if (pci_liveupdate_finish_device(ser, dev)) {
			pci_warn(dev, "Failed to finish, leaking the devices above\n");
			return;
		}
	}
}

void pci_liveupdate_finish(struct pci_dev *dev)
{
	struct pci_ser *ser;

	guard(rwsem_write)(&pci_liveupdate_rwsem);

	ser = pci_liveupdate_incoming_ser();
	if (IS_ERR(ser))
		return;

	pci_liveupdate_finish_path(ser, dev);
}
EXPORT_SYMBOL_GPL(pci_liveupdate_finish);
