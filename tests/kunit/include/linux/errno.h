/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel's <linux/errno.h>: the system's UAPI one has the same E* values (and
 * the C library's <errno.h> includes it, so this must forward rather than shadow it). */
#include_next <linux/errno.h>
