/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an exported bridgepath trace calls. The first four are the PCI Live Update entry points
 * (unpreserve and finish return void in the kernel, so a test reads what their walk saw through
 * pci_liveupdate_test_walk_result()). The pci_liveupdate_test_* hooks are what a developer adds
 * beside the code under test to inject the trace's faults and read its counts; in bridgepath's
 * own suite tests/kunit/KunitStub.cpp implements all of them on bridgepath's implementation.
 */
#ifndef BRIDGEPATH_STANDIN_PCI_LIVEUPDATE_TEST_H
#define BRIDGEPATH_STANDIN_PCI_LIVEUPDATE_TEST_H

#include <linux/pci.h>

struct kunit;

#ifdef __cplusplus
extern "C" {
#endif
int pci_liveupdate_preserve(struct pci_dev *dev);
void pci_liveupdate_unpreserve(struct pci_dev *dev);
void pci_liveupdate_freeze(struct pci_dev *dev);
void pci_liveupdate_finish(struct pci_dev *dev);

/* The walk result the last unpreserve/finish/unplug saw: 0 or a negative errno. */
int pci_liveupdate_test_walk_result(void);
/* Builds the tree (an `lspci -t` text) under the trace's policy, abi and v6 capacity (0: one
 * slot per device); a kernel test on matching hardware returns 0 and ignores them. */
int pci_liveupdate_test_setup(struct kunit *test, const char *lspci, const char *policy,
                              const char *abi, unsigned int capacity);
int pci_liveupdate_test_kexec(void);
/* The end of the Live Update: PCI_LIVEUPDATE_TEST_PANIC where later kernels panic ("never
 * finished"; v6 keeps the incoming state forever), else 0. */
#define PCI_LIVEUPDATE_TEST_PANIC 1
int pci_liveupdate_test_finish_all(void);
int pci_liveupdate_test_fail_next(struct pci_dev *dev, const char *step);
int pci_liveupdate_test_lose(struct pci_dev *dev);
int pci_liveupdate_test_set_refcount(struct pci_dev *dev, u16 refcount);
int pci_liveupdate_test_vanish(struct pci_dev *dev);
int pci_liveupdate_test_unplug(struct pci_dev *dev);
/* The refcount of the slot(s) naming dev, and the nr_devices counter. */
unsigned int pci_liveupdate_test_refcount(struct pci_dev *dev);
unsigned int pci_liveupdate_test_nr_devices(void);
#ifdef __cplusplus
}
#endif

#endif
