/*
 * sim/kern/uaccess.c — copyin/copyout: the kernel reading and writing user
 * memory.  Each page is checked against the process's page tables; a page
 * that is absent or lacks the right (a write to a copy-on-write page)
 * goes through vm_fault like a user access would, so a wild pointer ends
 * in EFAULT and never touches a frame it should not.  An address just
 * below a growable stack grows it (a signal frame, a system call's
 * output buffer on the stack), within RLIMIT_STACK.  Copies go through
 * the direct map of physical memory.
 */
#include "sim/kern/kern.h"
#include "vm/pmap.h"
#include "vm/vm_fault.h"
#include "vm/vm_page.h"

#include <errno.h>
#include <string.h>

/* The host pointer of user va for an access of type prot, faulting the
 * page in if needed; NULL if it cannot be had (EFAULT). */
static uint8_t *
uaccess_page(struct proc *p, vm_offset_t va, vm_prot_t prot)
{
	struct vmspace *vm = p->vm;
	vm_paddr_t pa;

	if (va < vm->map.min_offset || va >= vm->map.max_offset)
		return NULL;
	if ((pmap_prot(vm->pmap, va) & prot) != prot) {
		int flags = (prot & VM_PROT_WRITE) ? VM_FAULT_DIRTY : 0;
		int rv = vm_fault(&vm->map, va, prot, flags);

		/* The engine's regions cover a stack's room already
		 * (sim/machine.c): the next map_changed shows the entry. */
		if (rv == KERN_INVALID_ADDRESS && vm_map_growstack(&vm->map, va,
		    p->rlim[KRLIMIT_STACK].cur) == KERN_SUCCESS)
			rv = vm_fault(&vm->map, va, prot, flags);
		if (rv != KERN_SUCCESS)
			return NULL;
	}
	pa = pmap_extract(vm->pmap, va);
	KASSERT(pa != 0 || (pmap_prot(vm->pmap, va) & prot) == prot,
	    ("uaccess: va %#llx not mapped after a successful fault",
	    (unsigned long long)va));
	/* Device memory has no page in the array: nothing to dirty. */
	if ((prot & VM_PROT_WRITE) && PHYS_TO_VM_PAGE(trunc_page(pa)) != NULL)
		vm_page_dirty(PHYS_TO_VM_PAGE(trunc_page(pa)));
	return vm_phys_dmap_ptr(pa);
}

int
copyin(struct proc *p, vm_offset_t uva, void *dst, size_t len)
{
	uint8_t *d = dst;

	if (uva + len < uva)
		return EFAULT;
	while (len > 0) {
		size_t n = MIN(len, PAGE_SIZE - (uva & PAGE_MASK));
		uint8_t *src = uaccess_page(p, uva, VM_PROT_READ);

		if (src == NULL)
			return EFAULT;
		memcpy(d, src, n);
		d += n;
		uva += n;
		len -= n;
	}
	return 0;
}

int
copyout(struct proc *p, const void *src, vm_offset_t uva, size_t len)
{
	const uint8_t *s = src;

	if (uva + len < uva)
		return EFAULT;
	while (len > 0) {
		size_t n = MIN(len, PAGE_SIZE - (uva & PAGE_MASK));
		uint8_t *dst = uaccess_page(p, uva, VM_PROT_WRITE);

		if (dst == NULL)
			return EFAULT;
		memcpy(dst, s, n);
		s += n;
		uva += n;
		len -= n;
	}
	return 0;
}

int
copyinstr(struct proc *p, vm_offset_t uva, char *dst, size_t maxlen)
{
	for (size_t i = 0; i < maxlen; i++) {
		uint8_t *src = uaccess_page(p, uva + i, VM_PROT_READ);

		if (src == NULL)
			return EFAULT;
		dst[i] = (char)*src;
		if (*src == 0)
			return 0;
	}
	return ENAMETOOLONG;
}
