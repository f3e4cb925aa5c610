/*
 * sim/kern/sys_proc.c — system calls of the proc module (see sys.h).
 */
#include "sim/kern/sys.h"

const struct sc_def sys_proc_defs[] = {
	{ NULL, -1, -1, NULL },		/* placeholder: C forbids an empty array */
};
const size_t sys_proc_ndefs = 0;
