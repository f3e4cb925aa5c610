/*
 * sim/kern/sys_vm.c — system calls of the vm module (see sys.h).
 */
#include "sim/kern/sys.h"

const struct sc_def sys_vm_defs[] = {
	{ NULL, -1, -1, NULL },		/* placeholder: C forbids an empty array */
};
const size_t sys_vm_ndefs = 0;
